"""Topic names: ``<service>.<aggregate>``, each keyed by the aggregate id."""

REFERRAL = "referrals.referral"
PACKAGE = "brokerage.package"
PROVIDER = "brokerage.provider"
VISIT = "monitoring.visit"
QUALITY_PROVIDER = "quality.provider"
PAYMENT_PERIOD = "payments.period"

ALL_TOPICS = (REFERRAL, PACKAGE, PROVIDER, VISIT, QUALITY_PROVIDER, PAYMENT_PERIOD)

# The field of every event on a topic that is its subject and Kafka key: one aggregate, one partition, in order.
TOPIC_KEYS = {
    REFERRAL: "referral_id",
    PACKAGE: "package_id",
    PROVIDER: "provider_id",
    VISIT: "visit_id",
    QUALITY_PROVIDER: "provider_id",
    PAYMENT_PERIOD: "period_id",
}


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a topic."""
    return f"{topic}.dlq"
