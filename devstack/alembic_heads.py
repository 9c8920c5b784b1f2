"""Whether a service's database is already at its migrations' head, found without Alembic and
without importing the service: `alembic upgrade head` on a migrated database still costs a
process that imports the service's models (a second or more of CPU each, nine services).

The head revisions come from the text of `migrations/versions/*.py` (each file's `revision` and
`down_revision`), the version table's name from `migrations/env.py`. Anything this cannot read
plainly answers None, and the caller runs Alembic as before."""

from __future__ import annotations

import ast
from pathlib import Path

_VERSION_FIELDS = ("revision", "down_revision")


def _assigned(path: Path) -> dict[str, object]:
    """The module-level `revision` and `down_revision` literals of one migration file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        name = target.id
        if name in _VERSION_FIELDS:
            found[name] = ast.literal_eval(value)
    return found


def script_heads(service_dir: Path) -> frozenset[str] | None:
    """The revisions no other revision builds on; None when a file does not say plainly."""
    versions = service_dir / "migrations" / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in sorted(versions.glob("*.py")):
            fields = _assigned(path)
            revision, down = fields.get("revision"), fields.get("down_revision")
            if not isinstance(revision, str):
                return None
            revisions.add(revision)
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, tuple | list):
                parents.update(str(parent) for parent in down)
            elif down is not None:
                return None
    except (OSError, SyntaxError, ValueError):
        return None
    heads = frozenset(revisions - parents)
    return heads or None


def version_table(service_dir: Path) -> str | None:
    """The `version_table` its env.py hands to shared.migrations.run_env."""
    try:
        tree = ast.parse((service_dir / "migrations" / "env.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "version_table":
            value = node.value.value if isinstance(node.value, ast.Constant) else None
            return value if isinstance(value, str) and value.isidentifier() else None
    return None
