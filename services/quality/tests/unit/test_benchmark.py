"""The league table: ranks, ties, anonymisation and CSV."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from quality.domain.benchmark import BENCHMARK_KPIS, ProviderResult, anonymous_label, league_table, to_csv

D = Decimal
A, B, C, E = (uuid.UUID(int=n) for n in (1, 2, 3, 4))


def result(pid, name, score, band="good", **kpis) -> ProviderResult:
    return ProviderResult(pid, name, None if score is None else D(score), band, {k: D(v) for k, v in kpis.items()})


RESULTS = [
    result(A, "Acorn Care", "72.50", punctuality="0.9"),
    result(B, "Bluebell", "80.00", "excellent"),
    result(C, "Carewell", "80.00", "excellent"),
    result(E, "Dormant Ltd", None, None),
]


def test_named_table_ranks_ties_and_puts_unscored_last() -> None:
    rows = league_table(RESULTS, named=True)
    assert [(r.rank, r.provider, r.provider_id, r.score) for r in rows] == [
        (1, "Bluebell", B, D("80.00")),
        (1, "Carewell", C, D("80.00")),
        (3, "Acorn Care", A, D("72.50")),
        (None, "Dormant Ltd", E, None),
    ]
    assert rows[2].kpis["punctuality"] == D("0.9")
    assert rows[2].kpis["missed_per_1000"] is None


def test_anonymised_table_hides_names_and_ids() -> None:
    rows = league_table(RESULTS, named=False)
    assert [(r.rank, r.provider, r.provider_id) for r in rows] == [
        (1, "Provider A", None),
        (1, "Provider B", None),
        (3, "Provider C", None),
        (None, "Provider D", None),
    ]


@pytest.mark.parametrize(
    ("index", "label"),
    [
        (0, "Provider A"),
        (25, "Provider Z"),
        (26, "Provider AA"),
        (27, "Provider AB"),
        (701, "Provider ZZ"),
        (702, "Provider AAA"),
    ],
)
def test_anonymous_labels(index, label) -> None:
    assert anonymous_label(index) == label


def test_csv() -> None:
    rows = league_table([RESULTS[0], result(B, "=HYPERLINK(1)", None, None)], named=True)
    lines = to_csv(rows, "2026-W47").split("\r\n")
    assert lines[0] == "period,rank,provider,score,band," + ",".join(BENCHMARK_KPIS)
    empty = "," * (len(BENCHMARK_KPIS) - 1)
    assert lines[1] == "2026-W47,1,Acorn Care,72.50,good,0.9" + empty
    assert lines[2] == "2026-W47,,'=HYPERLINK(1),,," + empty
    assert lines[3] == ""
