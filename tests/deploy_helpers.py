"""Readers for the deployment files, so tests/test_deploy_files.py can ask plain questions.

Nothing here runs Docker: the Compose file is read as YAML (and checked against the official
schema by the tests), Dockerfiles as instruction lists, nginx.conf through crossplane.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
NGINX_CONF = ROOT / "nginx" / "nginx.conf"
INIT_SQL = ROOT / "postgres" / "init.sql"

# `${NAME}`, `${NAME:-default}`, `${NAME:?message}`; `$$` is Compose's escaped dollar.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def interpolated_names(text: str) -> set[str]:
    return set(_INTERPOLATION.findall(text))


def without_interpolation(value: str, stand_in: str = "x") -> str:
    return _INTERPOLATION.sub(stand_in, value)


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    """The variables Compose hands a service: `env_file` entries first, `environment` on top."""
    env: dict[str, str] = {}
    env_files = service.get("env_file") or []
    for entry in [env_files] if isinstance(env_files, str | dict) else env_files:
        path = entry["path"] if isinstance(entry, dict) else entry
        env.update(read_env_file(ROOT / path))
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    env.update({str(key): "" if value is None else str(value) for key, value in raw.items()})
    return env


def read_env_file(path: Path) -> dict[str, str]:
    """Active `NAME=value` lines of a dotenv file (a missing `.env` falls back to `.env.example`)."""
    if not path.exists() and path.name == ".env":
        path = ENV_EXAMPLE
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def documented_env_names(path: Path = ENV_EXAMPLE) -> set[str]:
    """Names a dotenv example assigns or documents as a commented assignment (`# NAME=...`)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line.strip())
        if match:
            names.add(match.group(1))
    return names


# --- Dockerfiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def dockerfile_instructions(path: Path) -> list[Instruction]:
    """Instructions in order, continuation lines joined, comments and parser directives dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
    return instructions


def exec_form(args: str) -> list[str]:
    """`["a", "b"]` (JSON exec form) as a list; shell form as one string in a list."""
    if args.startswith("["):
        parsed = json.loads(args)
        assert isinstance(parsed, list)
        return [str(item) for item in parsed]
    return [args]


# --- nginx ---------------------------------------------------------------------------------------


def parse_nginx() -> dict[str, Any]:
    """crossplane's parse of nginx.conf. `single=True`: the only include is the image's own
    /etc/nginx/mime.types, which does not exist on this machine."""
    import crossplane

    result: dict[str, Any] = crossplane.parse(str(NGINX_CONF), single=True)
    return result


def walk(block: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for directive in block:
        yield directive
        yield from walk(directive.get("block") or [])


def directives(block: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Directives called `name` directly in this block (not nested deeper)."""
    return [d for d in block if d["directive"] == name]


def first_block(
    block: list[dict[str, Any]], name: str, args: list[str] | None = None
) -> list[dict[str, Any]]:
    for directive in walk(block):
        if (
            "block" in directive
            and directive["directive"] == name
            and (args is None or directive["args"] == args)
        ):
            inner: list[dict[str, Any]] = directive.get("block") or []
            return inner
    raise AssertionError(f"no `{name} {' '.join(args or [])}` block in nginx.conf")


# --- settings discovery --------------------------------------------------------------------------

# Runs inside one service's folder and process (every service has its own `config` module):
# imports config, walks the Settings dataclass down to its pydantic-settings groups and prints,
# for every field (and separately for those without a default) the environment names that can
# provide it.
_DISCOVER_REQUIRED = r"""
import dataclasses, json, sys, typing
from pydantic_settings import BaseSettings
import config

def groups(tp, seen):
    if typing.get_origin(tp) is not None:  # X | None, Optional[X], Annotated[X, ...]
        for arg in typing.get_args(tp):
            yield from groups(arg, seen)
    elif isinstance(tp, type) and issubclass(tp, BaseSettings):
        if tp not in seen:
            seen.add(tp)
            yield tp
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, vars(sys.modules[tp.__module__]))
        for field in dataclasses.fields(tp):
            yield from groups(hints[field.name], seen)

def names(cls, field_name, field):
    found = []
    alias = field.validation_alias
    if isinstance(alias, str):
        found.append(alias)
    elif alias is not None and hasattr(alias, "choices"):
        found += [c for c in alias.choices if isinstance(c, str)]
    if field.alias:
        found.append(field.alias)
    if not found:  # pydantic-settings applies env_prefix only to fields without an alias
        found.append(cls.model_config.get("env_prefix", "") + field_name)
    return sorted({n.upper() for n in found})

classes = list(groups(config.Settings, set()))
fields = [(cls, name, field) for cls in classes for name, field in cls.model_fields.items()]
print(json.dumps({
    "groups": [cls.__name__ for cls in classes],
    "required": [names(cls, name, field) for cls, name, field in fields if field.is_required()],
    "all": [names(cls, name, field) for cls, name, field in fields],
}))
"""


@functools.cache
def required_settings(service_dir: Path) -> dict[str, Any]:
    """{"groups": [...], "required": [[names that can each provide one field], ...], "all": [...]}."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "DATABASE_", "INTERNAL_", "JWT_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(service_dir)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", _DISCOVER_REQUIRED],
        cwd=service_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{service_dir.name}: settings discovery failed:\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --- what an image installs vs what its code imports ---------------------------------------------


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(requirements: Path) -> set[str]:
    """Every distribution `pip install -r requirements` brings in (per the installed metadata),
    following `-r` includes, requested extras and markers, as canonical names."""
    from importlib import metadata

    from packaging.requirements import Requirement

    wanted: list[Requirement] = []
    pending = [requirements]
    while pending:
        path = pending.pop()
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("-r "):
                pending.append((path.parent / line[3:].strip()).resolve())
            elif line:
                wanted.append(Requirement(line))
    closure: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = _canonical(requirement.name)
        extras = sorted(requirement.extras)
        key = name + "[" + ",".join(extras) + "]"
        if key in closure:
            continue
        closure.add(key)
        for dependency in metadata.requires(requirement.name) or []:
            needed = Requirement(dependency)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(env) for env in environments):
                wanted.append(needed)
    return {key.partition("[")[0] for key in closure}


def runtime_imports(code_dir: Path) -> set[str]:
    """Top-level modules that the shipped code of a folder imports (tests excluded), minus the
    standard library, the folder's own modules and the root `shared` package."""
    import ast

    local = {p.stem for p in code_dir.iterdir() if p.suffix == ".py" or p.is_dir()} | {"shared"}
    found: set[str] = set()
    for path in code_dir.rglob("*.py"):
        relative = path.relative_to(code_dir)
        if "tests" in relative.parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in local}


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    from importlib import metadata

    return dict(metadata.packages_distributions())


def distributions_of(module: str) -> set[str]:
    return {_canonical(name) for name in _module_distributions().get(module, [])}


_REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`."""

    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        current = variables.get(name)
        if operator in (":-", ":?") and current == "":
            current = None
        if current is not None:
            return current
        if operator and operator.endswith("?"):
            raise KeyError(f"{name}: {argument}")
        return argument if operator else ""

    return _REFERENCE.sub(replace, value).replace("$$", "$")


_LOAD_SETTINGS = r"""
import config
settings = config.Settings.from_env()
print(type(settings).__name__)
"""


def load_settings(service_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs the service's own `Settings.from_env()` with exactly `env` (plus PATH/PYTHONPATH)."""
    full = {"PATH": os.environ.get("PATH", ""), **env}
    full["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(service_dir)])
    full["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-c", _LOAD_SETTINGS],
        cwd=service_dir,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
