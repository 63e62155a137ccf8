"""A KPI report: every KPI of one scope over one period, computed afresh from the facts."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.clock import london_date

from quality.domain.config import KpiSettings
from quality.domain.facts import Facts
from quality.domain.kpi_names import NUMERIC_KPIS
from quality.domain.officer_kpis import OfficerKpis, officer_kpis
from quality.domain.periods import Period
from quality.domain.placement_kpis import OfferKpis, ReferralKpis, offer_kpis, referral_kpis
from quality.domain.scope import Scope
from quality.domain.visit_kpis import VisitKpis, first_visit_days, visit_kpis


@dataclass(frozen=True)
class KpiReport:
    """All KPIs of a scope and period."""

    scope: Scope
    period: Period
    visits: VisitKpis
    offers: OfferKpis
    referrals: ReferralKpis
    officer: OfficerKpis

    def numeric(self) -> dict[str, Decimal | None]:
        """Every single-figure KPI by name: what targets and the composite score read."""
        sources: list[Any] = [self.visits, self.offers, self.referrals, self.officer]
        out: dict[str, Decimal | None] = {}
        for name in NUMERIC_KPIS:
            for source in sources:
                if hasattr(source, name):
                    value = getattr(source, name)
                    out[name] = None if value is None else Decimal(value)
                    break
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API (Decimals kept; the API layer writes them as strings)."""
        return {
            "visits": asdict(self.visits),
            "offers": asdict(self.offers),
            "referrals": asdict(self.referrals),
            "officer": asdict(self.officer),
        }


def _in(period: Period, day: date) -> bool:
    return period.contains(day)


def _providers_in_scope(facts: Facts, scope: Scope) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    found.update(v.provider_id for v in facts.visits if scope.matches(v.provider_id, v.zone))
    found.update(o.provider_id for o in facts.offers if scope.matches(o.provider_id, o.zone))
    found.update(r.provider_id for r in facts.referrals if r.provider_id and scope.matches(r.provider_id, r.zone))
    return found


def compute_report(facts: Facts, scope: Scope, period: Period, settings: KpiSettings) -> KpiReport:
    """Every KPI of ``scope`` over ``period``; each fact belongs to the period by its own date.

    ``facts`` must hold the latest revision of each fact only (see :mod:`quality.domain.facts`).
    """
    visits = [v for v in facts.visits if scope.matches(v.provider_id, v.zone) and _in(period, v.day)]
    offers = [
        o for o in facts.offers if scope.matches(o.provider_id, o.zone) and _in(period, london_date(o.offered_at))
    ]
    handbacks = [
        h
        for h in facts.handbacks
        if scope.matches(h.provider_id, h.zone) and _in(period, london_date(h.handed_back_at))
    ]
    referrals = [r for r in facts.referrals if scope.matches(r.provider_id, r.zone)]
    incidents = [i for i in facts.incidents if scope.matches(i.provider_id, i.zone) and _in(period, i.occurred_on)]
    if scope.provider_id is not None:
        # A provider's assessment and rating are its own wherever it works.
        assessments = [a for a in facts.assessments if a.provider_id == scope.provider_id]
        ratings = [r for r in facts.cqc_ratings if r.provider_id == scope.provider_id]
    elif scope.zone is None:
        assessments, ratings = list(facts.assessments), list(facts.cqc_ratings)
    else:
        # Assessments belong to providers, not zones: a zone reads those of the providers working in it.
        present = _providers_in_scope(facts, scope)
        assessments = [a for a in facts.assessments if a.provider_id in present]
        ratings = [r for r in facts.cqc_ratings if r.provider_id in present]
    referral_ids = {r.referral_id for r in referrals}
    return KpiReport(
        scope=scope,
        period=period,
        visits=visit_kpis(visits, facts.corrections, settings),
        offers=offer_kpis(offers, handbacks),
        referrals=referral_kpis(
            submitted=[r for r in referrals if _in(period, london_date(r.submitted_at))],
            starting=[r for r in referrals if _in(period, r.start_date)],
            reviewed=[r for r in referrals if r.reviewed_on is not None and _in(period, r.reviewed_on)],
            first_visit=(
                facts.first_visit_days
                if facts.first_visit_days is not None
                else first_visit_days(v for v in facts.visits if v.package_id in referral_ids)
                if referral_ids
                else {}
            ),
            acceptance_window_hours=settings.acceptance_window_hours,
        ),
        officer=officer_kpis(incidents, assessments, ratings, period.end, scope.provider_id),
    )
