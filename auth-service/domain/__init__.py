"""Auth domain: accounts, roles, sessions and the rules between them. Pure Python: imports
nothing from fastapi, starlette, pydantic settings, sqlalchemy, httpx or redis (the import
contracts of tools/code_health.py enforce it)."""
