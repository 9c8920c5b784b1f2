"""Auth domain: accounts, roles, sessions and the rules between them. Pure Python: imports
nothing from fastapi, starlette, pydantic, sqlalchemy, httpx, redis or the hashing/JWT libraries
(enforced by the import contract in `.importlinter` and tests/unit/test_domain_imports.py)."""
