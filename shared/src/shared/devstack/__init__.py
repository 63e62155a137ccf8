"""The embedded stack: real PostgreSQL and a Kafka-compatible broker from pip wheels."""
