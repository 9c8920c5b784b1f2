"""The shell every service has from day one (health, readiness on a real database, metrics,
docs, problem+json, the checked-in openapi.json, the migration stairway): testkit/service_shell.py."""

from __future__ import annotations

from testkit.service_shell import ServiceShellContract


class TestServiceShell(ServiceShellContract):
    pass
