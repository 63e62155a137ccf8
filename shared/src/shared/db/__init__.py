"""Database plumbing shared by the services: metadata, engine, sessions, migrations."""
