"""The local launcher behind `make dev` and the end-to-end tests: one catalogue of services,
an embedded (or given) PostgreSQL, generated dev secrets, migrations, processes, readiness."""
