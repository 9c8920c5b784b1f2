"""Code health for the whole monorepo: `python tools/code_health.py [--jobs N] [check ...]`.

`make test` runs it before the suites and `make lint` runs it alone; tools/README.md says what
each check enforces. Checks (all by default, or the ones named):

  ruff        `ruff check .` and `ruff format --check .` (configuration in pyproject.toml)
  mypy        strict (pyproject.toml) over shared/, the support code and the end-to-end tests in
              one run from the root, then ALL of each service (app.py, config.py, domain/,
              adapters/, routes/, migrations/, tests/) in a run of its own: every service has
              top-level packages named `domain`, `adapters`, `routes`, so two can never be
              checked together; then the sandbox
  imports     import-linter contracts for each service, generated from `contracts()` below
  boundaries  what import-linter cannot see: no service folder reaches into another's code,
              and shared/ imports no service layer

A service folder without domain/ is skipped (it is still being written). A failure anywhere is
reported with the tool's output and makes the exit status 1; nothing is fixed here.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.catalog import GATEWAY, SERVICES  # noqa: E402

BIN = Path(sys.executable).parent
PYPROJECT = ROOT / "pyproject.toml"
MYPY_CACHE = ROOT / ".mypy_cache" / "code_health"
SERVICE_DIRS = tuple(spec.path for spec in (*SERVICES, GATEWAY))

# Checked strictly in one run from the root: the project's own package, its support code and the
# end-to-end tests (they import only these, never a service's code).
ROOT_MYPY_TARGETS = ("shared", "devstack", "testkit", "tools", "bench", "tests")
# What domain/ may not import, directly or through anything else (docs/architecture.md, a
# service's rooms): the domain is plain Python. `config` is listed because settings reach the
# domain only as values handed in by app.py.
DOMAIN_FORBIDDEN = (
    "fastapi",
    "starlette",
    "pydantic_settings",
    "sqlalchemy",
    "httpx",
    "redis",
    "asyncpg",
    "alembic",
    "config",
)
LAYERS = ("domain", "adapters", "routes")  # innermost first
SERVICE_LAYER_MODULES = frozenset({*LAYERS, "app", "config"})


@dataclass(frozen=True)
class Outcome:
    status: Literal["ok", "FAILED", "skipped"]
    summary: str = ""
    output: str = ""


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[], Outcome]


# --- running tools --------------------------------------------------------------------------


def run_tool(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    proc = subprocess.run(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    output = (proc.stdout + proc.stderr).strip()
    lines = [line.strip() for line in output.splitlines() if line.strip()] or [""]
    if proc.returncode == 0:
        return Outcome("ok", lines[-1])
    # Each tool ends with a tally: "Found 3 errors", "2 files would be reformatted", "Contracts: …".
    tally = next((line for line in reversed(lines) if _TALLY.search(line)), lines[-1])
    return Outcome("FAILED", tally, output)


_TALLY = re.compile(r"^(Found \d+|\d+ files? would be|Contracts: \d+)")


def tool(name: str) -> str:
    """A console script installed next to this interpreter (the project's .venv)."""
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"{name} is not installed in {BIN}: run `make install`")
    return str(path)


# --- ruff -------------------------------------------------------------------------------------


def ruff_steps() -> list[Step]:
    return [
        Step("ruff check .", lambda: run_tool([tool("ruff"), "check", "--output-format=concise", "."], ROOT)),
        Step(
            "ruff format --check .",
            lambda: run_tool([tool("ruff"), "format", "--check", "--output-format=concise", "."], ROOT),
        ),
    ]


# --- mypy -------------------------------------------------------------------------------------


def mypy_argv(cache: str, targets: list[str]) -> list[str]:
    # `--strict` is not passed: pyproject.toml sets strict = true together with its exceptions
    # (warn_unused_ignores = false), which the command-line flag would override.
    return [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(PYPROJECT),
        "--cache-dir",
        str(MYPY_CACHE / cache),
        *targets,
    ]


def mypy_steps() -> list[Step]:
    targets = [name for name in ROOT_MYPY_TARGETS if (ROOT / name).is_dir()]
    steps = [Step(f"mypy {' '.join(targets)}", lambda: run_tool(mypy_argv("root", targets), ROOT))]
    for service_dir in SERVICE_DIRS:
        steps.append(Step(f"mypy {service_dir.name}", _service_mypy(service_dir)))
    steps.append(Step("mypy sandbox", _sandbox_mypy))
    return steps


def _sandbox_mypy() -> Outcome:
    """The sandbox is a flat app (no layers) with its tests; its own folder is its import root."""
    sandbox = ROOT / "sandbox"
    if not (sandbox / "app.py").exists():
        return Outcome("skipped", "no sandbox yet")
    modules = [*sorted(sandbox.glob("*.py")), *sorted(sandbox.glob("tests/*.py"))]
    files = [str(p.relative_to(ROOT)) for p in modules]
    argv = mypy_argv("sandbox", ["--explicit-package-bases", *files])
    return run_tool(argv, ROOT, {"MYPYPATH": str(sandbox)})


def service_mypy_targets(service_dir: Path) -> list[str]:
    """Everything Python in a service folder, relative to it: its top-level modules (app.py,
    config.py, a test_*.py) and every folder holding Python (domain, adapters, routes,
    migrations, tests, and any folder added later)."""
    targets: list[str] = []
    for path in sorted(service_dir.iterdir()):
        if path.name.startswith(".") or path.name == "__pycache__":
            continue
        if (path.is_file() and path.suffix == ".py") or (path.is_dir() and any(python_files(path))):
            targets.append(path.name)
    return targets


def _service_mypy(service_dir: Path) -> Callable[[], Outcome]:
    def run() -> Outcome:
        if not (service_dir / "domain").is_dir():
            return Outcome("skipped", "no domain/ yet")
        # cwd = the service folder, so `domain` is its own; MYPYPATH finds `shared` at the root.
        targets = service_mypy_targets(service_dir)
        return run_tool(mypy_argv(service_dir.name, targets), service_dir, {"MYPYPATH": str(ROOT)})

    return run


# --- import-linter ----------------------------------------------------------------------------


def contracts(service: str, layers: list[str]) -> str:
    """The import-linter configuration of one service whose layer packages are `layers`.

    domain is the centre: it imports no framework, driver, settings or outer layer. routes and
    adapters are siblings around it: both may import domain, neither imports the other (routes
    reach adapters only as ports the composition root hands them). Only app.py wires.
    """
    roots = "".join(f"\n    {name}" for name in ("shared", *layers))
    outer = [name for name in layers if name != "domain"]
    forbidden = "".join(f"\n    {name}" for name in (*DOMAIN_FORBIDDEN, *outer))
    sources = "".join(f"\n    {name}" for name in layers)
    text = f"""\
[importlinter]
root_packages ={roots}
include_external_packages = True

[importlinter:contract:domain-is-pure]
name = {service}: domain imports no framework, driver, settings, adapter or route (not even through shared)
type = forbidden
source_modules = domain
forbidden_modules ={forbidden}

[importlinter:contract:composition-root]
name = {service}: only app.py wires the service, and product code never imports testkit
type = forbidden
source_modules ={sources}
forbidden_modules =
    app
    testkit
"""
    if len(outer) == 2:  # a young service may not have both yet
        siblings = "".join(f"\n    {name}" for name in outer)
        text += f"""
[importlinter:contract:siblings]
name = {service}: routes and adapters are siblings (neither imports the other)
type = independence
modules ={siblings}
"""
    return text


def import_steps() -> list[Step]:
    return [Step(f"import contracts {d.name}", _service_imports(d)) for d in SERVICE_DIRS]


def _service_imports(service_dir: Path) -> Callable[[], Outcome]:
    def run() -> Outcome:
        if not (service_dir / "domain").is_dir():
            return Outcome("skipped", "no domain/ yet")
        problems = [
            f"{service_dir.name}/{name}/ holds Python files but no __init__.py: import-linter cannot see it"
            for name in LAYERS
            if (service_dir / name).is_dir()
            and not (service_dir / name / "__init__.py").exists()
            and any((service_dir / name).rglob("*.py"))
        ]
        if problems:
            return Outcome("FAILED", problems[0], "\n".join(problems))
        layers = [name for name in LAYERS if (service_dir / name / "__init__.py").exists()]
        with tempfile.TemporaryDirectory(prefix="tiketq-importlinter-") as tmp:
            config = Path(tmp) / "importlinter.ini"
            config.write_text(contracts(service_dir.name, layers), encoding="utf-8")
            return run_tool(
                [tool("lint-imports"), "--config", str(config), "--no-cache", "--no-logo"],
                service_dir,
                {"PYTHONPATH": f"{service_dir}{os.pathsep}{ROOT}"},
            )

    return run


# --- boundaries (static) ----------------------------------------------------------------------


def python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).parts
        if not any(part.startswith(".") or part == "__pycache__" for part in relative):
            yield path


def imported_roots(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level name) of every absolute import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


_IMPORT_MACHINERY = re.compile(
    r"(^|\.)(sys\.path|addsitedir|import_module|spec_from_file_location|run_path|run_module|__import__)($|\.)"
)


def touches_import_machinery(tree: ast.AST) -> bool:
    """Whether the file touches where or how Python imports: sys.path, importlib, runpy, site."""
    return any(
        isinstance(node, ast.Attribute | ast.Name) and _IMPORT_MACHINERY.search(_dotted(node))
        for node in ast.walk(tree)
    )


def string_constants(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def cross_service_references(service_dir: Path) -> list[str]:
    """Ways a service folder could load another service's code: importing it by a module name,
    or naming its folder in a file that changes sys.path or imports by path."""
    others = [d for d in SERVICE_DIRS if d != service_dir]
    module_names = {d.name.replace("-", "_"): d.name for d in others}
    folder_patterns = {d.name: re.compile(rf"(^|[/\\]){re.escape(d.name)}($|[/\\])") for d in others}
    found: list[str] = []
    for path in python_files(service_dir):
        where = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_roots(tree):
            if name in module_names:
                found.append(f"{where}:{line}: imports {name} ({module_names[name]}'s code)")
        if touches_import_machinery(tree):
            for line, text in string_constants(tree):
                for other, pattern in folder_patterns.items():
                    if pattern.search(text):
                        found.append(f"{where}:{line}: names {other}/ in a file that changes how it imports")
    return found


def shared_service_imports() -> list[str]:
    """shared/ is imported by services, so it may not import them (nor testkit, outside its tests)."""
    found: list[str] = []
    shared = ROOT / "shared"
    for path in python_files(shared):
        in_tests = "tests" in path.relative_to(shared).parts or path.name == "conftest.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_roots(tree):
            if name in SERVICE_LAYER_MODULES or (name == "testkit" and not in_tests):
                found.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    return found


# What no process of the stack loads (tests/test_runtime_imports.py checks what an app loads as it
# is imported; this finds an import written inside a function, which only a request would run).
# SQLAlchemy and Alembic declare and migrate the tables, in a process of their own; the modules
# that hold those declarations (shared/schema.py, a service's adapters/tables.py) are theirs.
NOT_AT_RUN_TIME = ("sqlalchemy", "alembic", "shared.schema", "adapters.tables")
SCHEMA_MODULES = ("shared/schema.py", "shared/migrations.py", "adapters/tables.py")


def _imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every absolute import, `from a.b import c` as a.b and a.b.c."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def runtime_sqlalchemy_imports() -> list[str]:
    """Imports of SQLAlchemy, Alembic or the tables declared with them in code a service runs:
    shared/, devstack/ and each service's folder, but for tests, migrations and the schema
    modules themselves."""
    found: set[str] = set()
    for folder in (ROOT / "shared", ROOT / "devstack", *SERVICE_DIRS):
        for path in python_files(folder):
            relative = path.relative_to(folder)
            if relative.parts[0] in ("tests", "migrations") or path.name == "conftest.py":
                continue
            if path.name.startswith("test_"):
                continue
            if any(path.relative_to(ROOT).as_posix().endswith(schema) for schema in SCHEMA_MODULES):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, name in _imported_modules(tree):
                for banned in NOT_AT_RUN_TIME:
                    if name == banned or name.startswith(f"{banned}."):
                        where = f"{path.relative_to(ROOT)}:{line}"
                        found.add(f"{where}: imports {banned} (run time is plain SQL on asyncpg)")
    return sorted(found)


def _findings(title: str, find: Callable[[], list[str]]) -> Callable[[], Outcome]:
    def run() -> Outcome:
        try:
            found = find()
        except SyntaxError as exc:
            return Outcome("FAILED", f"cannot parse {exc.filename}:{exc.lineno}", str(exc))
        if found:
            return Outcome("FAILED", f"{len(found)} finding(s)", "\n".join(found))
        return Outcome("ok", title)

    return run


def boundary_steps() -> list[Step]:
    def all_services() -> list[str]:
        return [f for d in SERVICE_DIRS if d.is_dir() for f in cross_service_references(d)]

    return [
        Step("services stay in their folders", _findings("no service reaches another's code", all_services)),
        Step(
            "shared imports no service",
            _findings("shared/ imports no service or testkit", shared_service_imports),
        ),
        Step(
            "no SQLAlchemy at run time",
            _findings(
                "SQLAlchemy and Alembic only in migrations, schema and tests", runtime_sqlalchemy_imports
            ),
        ),
    ]


# --- main ---------------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[], list[Step]]] = {
    "ruff": ruff_steps,
    "mypy": mypy_steps,
    "imports": import_steps,
    "boundaries": boundary_steps,
}


def timed(step: Step) -> tuple[Outcome, float]:
    started = time.monotonic()
    outcome = step.run()
    return outcome, time.monotonic() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="ruff, mypy, import contracts and service boundaries")
    parser.add_argument(
        "checks", nargs="*", metavar="check", help=f"any of {', '.join(CHECKS)} (default: all)"
    )
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("CODE_HEALTH_JOBS", "2")))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.checks) - set(CHECKS))
    if unknown:
        parser.error(f"unknown check(s): {', '.join(unknown)}")
    steps = [step for name in (args.checks or list(CHECKS)) for step in CHECKS[name]()]

    counts = {"ok": 0, "FAILED": 0, "skipped": 0}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [(step, pool.submit(timed, step)) for step in steps]
        for step, future in futures:
            outcome, seconds = future.result()
            counts[outcome.status] += 1
            print(f"  {outcome.status:<8} {step.title:<40} {outcome.summary} ({seconds:.1f}s)", flush=True)
            if outcome.status == "FAILED" and outcome.output:
                print("\n".join(f"      {line}" for line in outcome.output.splitlines()), flush=True)
    print(
        f"code health: {counts['ok']} ok, {counts['FAILED']} failed, {counts['skipped']} skipped",
        flush=True,
    )
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
