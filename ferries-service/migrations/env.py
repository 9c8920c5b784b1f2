from adapters.tables import metadata
from shared.migrations import run_env

run_env(metadata, version_table="alembic_version_ferries")
