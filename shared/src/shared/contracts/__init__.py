"""The event contracts: one module per producing service; importing this registers them all.

Services share nothing else. A consumer imports the producer's module here, never the producer.
"""

from shared.contracts import brokerage, common, monitoring, payments, quality, referrals
from shared.contracts.topics import ALL_TOPICS, dlq_topic

__all__ = ["ALL_TOPICS", "brokerage", "common", "dlq_topic", "monitoring", "payments", "quality", "referrals"]
