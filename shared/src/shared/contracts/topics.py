"""Topic names: ``<service>.<aggregate>``, each keyed by the aggregate id."""

REFERRAL = "referrals.referral"
PACKAGE = "brokerage.package"
PROVIDER = "brokerage.provider"
VISIT = "monitoring.visit"
QUALITY_PROVIDER = "quality.provider"
PAYMENT_PERIOD = "payments.period"

ALL_TOPICS = (REFERRAL, PACKAGE, PROVIDER, VISIT, QUALITY_PROVIDER, PAYMENT_PERIOD)


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a topic."""
    return f"{topic}.dlq"
