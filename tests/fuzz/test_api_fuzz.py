"""schemathesis against every service's OpenAPI document, on the real processes.

Each service is fuzzed as a user and as an admin (every operation, the admin routes
included) through the examples, coverage, fuzzing and stateful phases, with bounded examples
and a fixed seed, checking that nothing answers 5xx and that every answer's status, media type
and body are the ones its operation documents. The stateful phase follows the links the
documents declare (schemathesis.toml): transaction-service's walk from an order of a real offer
to its payment, cancellation and transaction, and it must reach a payment at least once.

`POST /auth/logout` ends every token of its caller, so it runs with accounts of its own. The
account services (auth, user) skip the stateful phase: links from the account lists to real
accounts, the fuzzer's own included, would deactivate, demote or delete them halfway through
the run; their operations are still fuzzed by the other three phases.
A failure prints schemathesis' report: the case, the answer and a curl line to replay it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.catalog import SERVICES
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261204
# Per operation and phase; enough to find what the fuzzer is for (unreadable bodies, numbers out
# of range, strange headers) while the whole suite stays within a couple of minutes.
MAX_EXAMPLES = 10
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
LOGOUT = "/auth/logout"
ACCOUNT_SERVICES = ("auth", "user")


def schemathesis_run(
    stack: Stack, service: str, token: str, workdir: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """One `st run`; it works in `workdir`, where it keeps its crash cache (not the repository)."""
    argv = [
        str(Path(sys.executable).with_name("st")),
        f"--config-file={CONFIG}",
        "run",
        f"{stack.url(service)}/openapi.json",
        f"--checks={CHECKS}",
        f"--header=Authorization: Bearer {token}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--generation-database=none",
        "--workers=1",
        "--request-timeout=30",
        "--no-color",
        "--output-truncate=false",
        *extra,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.fuzz.schemathesis_hooks",
        "TIKETQ_FUZZ_GATEWAY_URL": stack.gateway_url,
    }
    return subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """Exit status 0 and every generated case passed (warnings such as "only 401/403 for a
    user on admin routes" are expected and printed, not failures)."""
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-30000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", report)
    assert counts is not None, report[-30000:]
    assert counts[1] == counts[2], report[-30000:]
    assert int(counts[1]) > 0, report[-30000:]


def answered(har: Path, method: str, path: str) -> list[int]:
    """The statuses the run's recorded exchanges (HAR) got for `method path`."""
    entries = json.loads(next(har.glob("*.json")).read_text())["log"]["entries"]
    return [
        e["response"]["status"]
        for e in entries
        if e["request"]["method"] == method and e["request"]["url"].split("?")[0].endswith(path)
    ]


@pytest.mark.parametrize("role", ["user", "admin"])
@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_every_operation_answers_what_it_documents(
    stack: Stack, tokens: dict[str, str], service: str, role: str, tmp_path: Path
) -> None:
    extra = [f"--exclude-path={LOGOUT}"] if service == "auth" else []
    if service in ACCOUNT_SERVICES:
        extra.append("--phases=examples,coverage,fuzzing")
    if service == "transaction":
        extra += ["--report=har", f"--report-dir={tmp_path}"]
    result = schemathesis_run(stack, service, tokens[role], tmp_path, *extra)
    assert_clean(result)
    if service == "transaction":
        # The walk got from an order to its payment (the only way to a real transaction id).
        assert 201 in answered(tmp_path, "POST", "/orders/"), result.stdout[-5000:]
        assert 201 in answered(tmp_path, "POST", "/payments/"), result.stdout[-5000:]


@pytest.mark.parametrize("role", ["user", "admin"])
def test_logout_answers_what_it_documents(
    stack: Stack, tokens: dict[str, str], role: str, tmp_path: Path
) -> None:
    # The first call logs the account out (204); every later one is a revoked token's 401.
    only_logout = (f"--include-path={LOGOUT}", "--phases=examples,coverage,fuzzing")
    assert_clean(schemathesis_run(stack, "auth", tokens[f"logout-{role}"], tmp_path, *only_logout))
