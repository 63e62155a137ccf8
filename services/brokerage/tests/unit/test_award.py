"""The three award rules and the tie-breaks, with hand-worked figures."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from brokerage.domain.award import Acceptance, MissingBidError, choose_winner, rank
from brokerage.domain.rules import CouncilRules
from hypothesis import given
from hypothesis import strategies as st

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def acc(n: int, *, bid: str | None = None, quality: str | None = None, share: str = "0", minute: int = 0) -> Acceptance:
    return Acceptance(
        provider_id=UUID(int=n),
        answered_at=T0 + timedelta(minutes=minute),
        quality_score=None if quality is None else Decimal(quality),
        current_share=Decimal(share),
        bid=None if bid is None else Decimal(bid),
    )


LOWEST = CouncilRules(award_rule="lowest_ongoing_rate")
QUALITY = CouncilRules(award_rule="fixed_price_quality")
WEIGHTED = CouncilRules(award_rule="price_quality_weighted")
WEIGHTED_70_30 = CouncilRules(
    award_rule="price_quality_weighted", price_weight=Decimal("0.7"), quality_weight=Decimal("0.3")
)


@pytest.mark.parametrize(
    ("rules", "acceptances", "winner"),
    [
        # Cornwall: the lowest ongoing rate wins whatever the quality
        (LOWEST, [acc(1, bid="19.80", quality="90"), acc(2, bid="18.95", quality="60")], 2),
        # Leeds: the best quality score wins, the price is fixed
        (QUALITY, [acc(1, quality="71.5"), acc(2, quality="88"), acc(3, quality="80")], 2),
        # an unscored provider ranks below any scored one
        (QUALITY, [acc(1), acc(2, quality="0")], 2),
        # Essex 50/50: p1 bid 20.00 (price 100), quality 60 -> 50 + 30 = 80
        #              p2 bid 25.00 (price 100*20/25 = 80), quality 90 -> 40 + 45 = 85
        (WEIGHTED, [acc(1, bid="20.00", quality="60"), acc(2, bid="25.00", quality="90")], 2),
        # 70/30 on the same bids: p1 70 + 18 = 88; p2 56 + 27 = 83
        (WEIGHTED_70_30, [acc(1, bid="20.00", quality="60"), acc(2, bid="25.00", quality="90")], 1),
    ],
)
def test_award_rules(rules: CouncilRules, acceptances: list[Acceptance], winner: int) -> None:
    chosen = choose_winner(acceptances, rules)
    assert chosen is not None
    assert chosen.provider_id == UUID(int=winner)


def test_weighted_scores_are_the_hand_worked_ones() -> None:
    ranked = rank([acc(1, bid="20.00", quality="60"), acc(2, bid="25.00", quality="90")], WEIGHTED)
    assert [(r.acceptance.provider_id.int, r.score) for r in ranked] == [(2, Decimal(85)), (1, Decimal(80))]


@pytest.mark.parametrize(
    ("rules", "acceptances", "winner"),
    [
        # equal bids: quality breaks the tie
        (LOWEST, [acc(1, bid="19", quality="70"), acc(2, bid="19", quality="75")], 2),
        # equal bids and quality: the lower current share wins
        (
            LOWEST,
            [acc(1, bid="19", quality="70", share="0.3"), acc(2, bid="19", quality="70", share="0.1")],
            2,
        ),
        # equal in all that: the earlier answer wins
        (
            QUALITY,
            [acc(1, quality="70", share="0.1", minute=5), acc(2, quality="70", share="0.1", minute=3)],
            2,
        ),
        # equal weighted score (same bids, same quality): share decides
        (
            WEIGHTED,
            [acc(1, bid="20", quality="50", share="0.2"), acc(2, bid="20", quality="50", share="0.0")],
            2,
        ),
    ],
)
def test_tie_breaks(rules: CouncilRules, acceptances: list[Acceptance], winner: int) -> None:
    chosen = choose_winner(acceptances, rules)
    assert chosen is not None
    assert chosen.provider_id == UUID(int=winner)


def test_nobody_accepted_means_no_winner() -> None:
    assert choose_winner([], LOWEST) is None
    assert choose_winner([], WEIGHTED) is None


@pytest.mark.parametrize("rules", [LOWEST, WEIGHTED])
def test_bidding_rules_refuse_an_acceptance_without_a_bid(rules: CouncilRules) -> None:
    with pytest.raises(MissingBidError):
        choose_winner([acc(1, bid="18"), acc(2)], rules)


def test_weights_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        CouncilRules(award_rule="price_quality_weighted", price_weight=Decimal("0.6"))


_acceptance = st.builds(
    acc,
    st.integers(min_value=1, max_value=10_000),
    bid=st.decimals(min_value=10, max_value=40, places=2).map(str),
    quality=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1).map(str)),
    share=st.decimals(min_value=0, max_value=1, places=2).map(str),
    minute=st.integers(min_value=0, max_value=600),
)


@given(
    acceptances=st.lists(_acceptance, min_size=1, max_size=8, unique_by=lambda a: a.provider_id),
    rules=st.sampled_from([LOWEST, QUALITY, WEIGHTED, WEIGHTED_70_30]),
)
def test_the_winner_is_an_acceptor_and_does_not_depend_on_answer_order(
    acceptances: list[Acceptance], rules: CouncilRules
) -> None:
    winner = choose_winner(acceptances, rules)
    assert winner in acceptances
    assert choose_winner(list(reversed(acceptances)), rules) == winner


@given(acceptances=st.lists(_acceptance, min_size=1, max_size=8, unique_by=lambda a: a.provider_id))
def test_lowest_rate_winner_bid_is_the_minimum(acceptances: list[Acceptance]) -> None:
    winner = choose_winner(acceptances, LOWEST)
    assert winner is not None
    assert winner.bid == min(a.bid for a in acceptances if a.bid is not None)
