from brokerage.db import package_tables  # noqa: F401  (registers the package tables on the metadata)
from brokerage.db.tables import metadata
from shared.db.migrations import run_env

run_env(metadata)
