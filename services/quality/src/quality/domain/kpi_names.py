"""The KPIs that have a single figure, so can carry a target or a weight in the score."""

from __future__ import annotations

# Name -> what it measures, as shown to officers beside the figure.
NUMERIC_KPIS: dict[str, str] = {
    "punctuality": "share of visits started within the window of the planned time",
    "missed_share": "missed visits over planned visits",
    "missed_per_1000": "missed visits per 1,000 planned",
    "duration_compliance": "delivered carer minutes over planned carer minutes (double-handed visits count twice)",
    "short_share": "share of delivered visits shorter than the council's ratio of planned minutes",
    "under_15_share": "share of delivered visits under 15 minutes",
    "verified_share": "share of delivered visits verified in the home",
    "started_on_planned_date_share": "share of packages whose first visit was on or before the start date",
    "accepted_within_window_share": "share of referrals awarded within the window of submission",
    "continuity_median_carers": "median number of different carers a person saw",
    "unverified_per_1000": "unverified visits per 1,000 delivered",
    "corrections_per_1000": "corrections per 1,000 delivered visits",
    "offer_acceptance_rate": "offers accepted over offers made",
    "median_answer_minutes": "median minutes from offer to answer",
    "handbacks": "packages handed back",
    "enablement_outcomes_met_share": "share of reviewed enablement packages with every outcome met",
    "complaints": "complaints recorded",
    "compliments": "compliments recorded",
    "safeguarding": "safeguarding concerns recorded",
    "assessment_mean": "mean domain rating of the latest quality assessment (1 to 4)",
    "cqc_points": "CQC rating as points: outstanding 4, good 3, requires improvement 2, inadequate 1",
}
