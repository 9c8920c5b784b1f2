"""`make test`: code health, then every suite in a pytest process of its own.

Every service has top-level packages named `domain`, `adapters` and `routes`, so each service's
suite runs in its own folder and process (docs/architecture.md, a service's rooms); the
cross-service suite in `tests/` speaks only HTTP to real processes. Suites run two at a time
(the machines have 2 cores).
The browser tier (tests/browser: Chromium against the platform's docs and payment page) runs only
where Chromium and its driver are installed (.ci/run installs them); the broker tier (RabbitMQ:
shared/, transaction-service's and notification-service's real-broker tests and tests/broker, a
stack whose events go through the broker) only where RABBITMQ_URL is set and answers; the Redis
tier (auth-service's sign-in throttle and shared's request limits on a shared Redis) only where
REDIS_URL is set and answers (.ci/run sets both when this machine runs the servers). Elsewhere
the summary names each tier and why it did not run. The nginx tier
(tests/test_through_nginx.py: the end-to-end stack behind the project's own nginx.conf) is part
of the end-to-end suite where nginx is installed (.ci/run installs Debian's); elsewhere the
summary names it too. A tier that cannot run is not a skipped test: the tests that do run still
have to pass without skips.
The last line is the total, e.g. `total: 412 passed, 0 failed, 0 skipped`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.catalog import ALL_PROCESSES  # noqa: E402
from tests.browser.chromium import find_chromium  # noqa: E402
from tests.edge_nginx import find_nginx  # noqa: E402


@dataclass
class SuiteResult:
    name: str
    returncode: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    output: str = ""


def suites() -> list[tuple[str, Path, list[str]]]:
    """(name, working directory, extra pytest arguments) for every suite."""
    found: list[tuple[str, Path, list[str]]] = [
        # From the root: inside shared/, its logging.py and http.py would shadow the stdlib's.
        ("shared", ROOT, ["-c", "shared/pytest.ini", "shared/tests"]),
    ]
    found += [(s.directory, s.path, []) for s in ALL_PROCESSES if (s.path / "pytest.ini").exists()]
    found.append(("tests (end-to-end)", ROOT / "tests", []))
    # schemathesis against every service's OpenAPI, on a stack of its own (tests/fuzz/).
    found.append(("fuzz (API fuzzer)", ROOT / "tests" / "fuzz", []))
    # Two processes of every service, one of payment and transaction SIGKILLed mid-storm.
    found.append(("replicas (two of every service)", ROOT / "tests" / "replicas", []))
    return found


def server_tier(variable: str, default_port: int) -> str | None:
    """None when the server in `variable` (a URL) answers on its port, else why the tier cannot run."""
    url = os.environ.get(variable)
    if not url:
        return f"{variable} is not set"
    parts = urlsplit(url)
    try:
        host, port = parts.hostname or "localhost", parts.port or default_port
    except ValueError:
        return f"{variable} is not a URL"
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        return f"{variable} ({host}:{port}) does not answer: {exc.strerror or exc}"
    return None


# Tier name → (the variable naming its server, that server's default port).
SERVER_TIERS = {"broker (RabbitMQ)": ("RABBITMQ_URL", 5672), "Redis": ("REDIS_URL", 6379)}


def tiers_not_run() -> dict[str, str]:
    """Tiers that cannot run on this machine, by name, with the reason."""
    missing: dict[str, str] = {}
    chromium = find_chromium()
    if isinstance(chromium, str):
        missing["browser"] = chromium
    if find_nginx() is None:
        # tests/test_through_nginx.py, part of the end-to-end suite where nginx is installed.
        missing["nginx"] = "not installed"
    for tier, (variable, port) in SERVER_TIERS.items():
        why = server_tier(variable, port)
        if why is not None:
            missing[tier] = why
    return missing


def suite_environment() -> dict[str, str]:
    """The suites' environment: a server variable whose server does not answer is removed, so
    its tier is reported as not run rather than failing every test that needs it."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for variable, port in SERVER_TIERS.values():
        if server_tier(variable, port) is not None:
            env.pop(variable, None)
    return env


def tier_suites() -> list[tuple[str, Path, list[str]]]:
    """The suites that need something beyond Python, where it is there."""
    found: list[tuple[str, Path, list[str]]] = []
    if not isinstance(find_chromium(), str):
        # Chromium against the end-to-end stack: Swagger UI, ReDoc and the payment page.
        found.append(("browser (Chromium)", ROOT / "tests" / "browser", []))
    if server_tier("RABBITMQ_URL", 5672) is None:
        # A stack whose events go through RabbitMQ: a paid order's email arrives once.
        found.append(("broker (RabbitMQ end-to-end)", ROOT / "tests" / "broker", []))
    return found


def run_suite(name: str, cwd: Path, report_dir: Path, extra: list[str]) -> SuiteResult:
    report = report_dir / (name.split()[0] + ".xml")
    started = time.monotonic()
    env = suite_environment()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    result = SuiteResult(name, proc.returncode, seconds=time.monotonic() - started)
    result.output = proc.stdout + proc.stderr
    if report.exists():
        # The report is our own pytest's output, not untrusted input.
        for suite in ET.parse(report).getroot().iter("testsuite"):  # noqa: S314
            tests = int(suite.get("tests", 0))
            failures = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            result.failed += failures
            result.skipped += skipped
            result.passed += tests - failures - skipped
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "2")))
    parser.add_argument("--skip-health", action="store_true", help="skip ruff/mypy/import contracts")
    parser.add_argument("only", nargs="*", help="suite folders to run (default: all)")
    args = parser.parse_args()

    ok = True
    if not args.skip_health:
        print("== code health (ruff, mypy, import contracts)", flush=True)
        health = subprocess.run([sys.executable, str(ROOT / "tools" / "code_health.py")], cwd=ROOT)
        ok = health.returncode == 0

    every = suites() + tier_suites()
    selected = [s for s in every if not args.only or s[1].name in args.only or s[0] in args.only]
    not_run = {tier: why for tier, why in tiers_not_run().items() if not args.only or tier in args.only}
    results: list[SuiteResult] = []
    with tempfile.TemporaryDirectory() as reports, ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_suite, name, path, Path(reports), extra) for name, path, extra in selected]
        for future in futures:
            result = future.result()
            results.append(result)
            verdict = "ok" if result.returncode == 0 else "FAILED"
            print(
                f"== {result.name}: {result.passed} passed, {result.failed} failed, "
                f"{result.skipped} skipped in {result.seconds:.0f}s — {verdict}",
                flush=True,
            )
            if result.returncode != 0:
                print(result.output[-20000:], flush=True)

    for result in results:
        if result.returncode != 0 or result.passed == 0:
            ok = False
        if result.skipped:
            print(
                f"!! {result.name} skipped {result.skipped} test(s): a skipped test is not a pass", flush=True
            )
            ok = False
    for tier, why in not_run.items():
        print(f"== {tier} tier not run: {why}", flush=True)
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    if not ok and failed == 0:
        failed = 1  # a failed check or empty suite must never read as all-green
        print("!! a code-health check failed or a suite ran no tests", flush=True)
    tiers = "".join(f"; {tier} tier not run: {why}" for tier, why in not_run.items())
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped{tiers}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
