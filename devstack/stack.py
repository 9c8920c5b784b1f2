"""The whole platform as local processes: what `make dev` runs and what end-to-end tests drive."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.alembic_heads import script_heads, version_table
from devstack.catalog import (
    ALL_PROCESSES,
    GATEWAY,
    ROOT,
    SANDBOX,
    SERVER_ENV,
    SERVICES,
    ServiceSpec,
    by_name,
)
from devstack.database import DatabaseServer
from devstack.processes import ManagedProcess, wait_until_ready
from devstack.secrets import DEFAULT_ADMIN_EMAIL, DevSecrets, ensure_dev_secrets

# service_type → the service that sells it (transaction-service's PRODUCT_SERVICES, with the
# ports this stack gave them).
PRODUCT_SERVICES = {"flight": "flights", "ferry": "ferries", "hotel": "hotels", "ppob": "ppob"}

logger = logging.getLogger("devstack")

# `make dev REPLICAS=2`: instance n (from 2) of a service listens on its port + (n - 1) * 100.
REPLICA_PORT_STEP = 100
MAX_REPLICAS = 9


def instance_name(service: str, number: int) -> str:
    """ "payment" for the first instance of payment-service, "payment-2" for the second…"""
    return service if number == 1 else f"{service}-{number}"


def service_of(instance: str) -> str:
    """The catalogue name of an instance: "payment-2" → "payment"."""
    name, _, number = instance.rpartition("-")
    return name if name and number.isdigit() else instance


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


async def _all_or_none(steps: list[Coroutine[Any, Any, None]]) -> None:
    """Runs the steps side by side; the first failure cancels the others (so none starts a
    process after the stack has given up) and is raised as it was."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass
class StackConfig:
    workdir: Path
    secrets_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: {s.name: s.port for s in ALL_PROCESSES})
    database_url: str | None = None
    host: str = "127.0.0.1"
    echo: bool = True
    log_json: bool = False
    ready_timeout: float = 90.0
    # Appended to every database name; the databases made under a suffix are dropped at stop.
    database_suffix: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    # Per-service extra environment, e.g. {"auth": {"LOGIN_FAILURES_PER_EMAIL": "3"}}.
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    # The sandbox's SMTP sink, where notification-service sends its email.
    smtp_port: int = 2525
    # Processes of every service in the catalogue (all keep their state in PostgreSQL); the
    # gateway and the sandbox stay one. Every URL of a service then lists all its instances.
    replicas: int = 1
    # The ports of instances 2…replicas, by service; by default its port + 100, + 200…
    replica_ports: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas must be between 1 and {MAX_REPLICAS}, not {self.replicas}")

    def instance_ports(self, name: str) -> list[int]:
        """Every instance's port: one for the gateway and the sandbox, `replicas` for a service."""
        first = self.ports[name]
        if name not in {s.name for s in SERVICES} or not self.replicable(by_name(name)):
            return [first]
        more = self.replica_ports.get(name) or [
            first + n * REPLICA_PORT_STEP for n in range(1, self.replicas)
        ]
        return [first, *more[: self.replicas - 1]]

    def replicable(self, spec: ServiceSpec) -> bool:
        """False for a service whose offers live in process memory with no shared store given."""
        if not spec.offers_in_memory:
            return True
        env = {**os.environ, **self.extra_env, **self.service_env.get(spec.name, {})}
        return bool(spec.shared_offers_env and env.get(spec.shared_offers_env))

    @classmethod
    def for_tests(cls, workdir: Path, database_url: str | None = None, replicas: int = 1) -> StackConfig:
        names = [s.name for s in ALL_PROCESSES]
        extra = (replicas - 1) * len(SERVICES)
        *process_ports, smtp_port = free_ports(len(names) + extra + 1)
        ports = dict(zip(names, process_ports[: len(names)], strict=True))
        spare = iter(process_ports[len(names) :])
        replica_ports = {s.name: [next(spare) for _ in range(replicas - 1)] for s in SERVICES}
        return cls(
            workdir=workdir,
            secrets_dir=workdir / "secrets",
            ports=ports,
            replicas=replicas,
            replica_ports=replica_ports,
            smtp_port=smtp_port,
            database_url=database_url,
            # On a shared server each run gets databases of its own (an embedded one is private).
            database_suffix=f"_e2e_{uuid.uuid4().hex[:10]}" if database_url else "",
            echo=False,
            log_json=True,
            ready_timeout=120.0,
        )


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, ManagedProcess] = {}
        self.database: DatabaseServer | None = None
        self.secrets: DevSecrets | None = None
        self.admin_email = os.environ.get("BOOTSTRAP_ADMIN_EMAIL", DEFAULT_ADMIN_EMAIL)

    def url(self, name: str) -> str:
        """One process's URL: "payment" (the first instance) or "payment-2"."""
        service = service_of(name)
        number = 1 if name == service else int(name.rpartition("-")[2])
        return f"http://{self.config.host}:{self.config.instance_ports(service)[number - 1]}"

    def instances(self, service: str) -> list[str]:
        """The process names of a service's instances: ["payment", "payment-2"]."""
        count = len(self.config.instance_ports(service))
        return [instance_name(service, number) for number in range(1, count + 1)]

    def urls(self, service: str) -> str:
        """Every instance's URL, comma-separated, as callers are configured (shared/upstream_urls.py)."""
        return ",".join(self.url(name) for name in self.instances(service))

    @property
    def gateway_url(self) -> str:
        return self.url(GATEWAY.name)

    @property
    def admin_password(self) -> str:
        given = os.environ.get("BOOTSTRAP_ADMIN_PASSWORD")
        if given:
            return given
        assert self.secrets is not None
        return self.secrets.admin_password.read_text().strip()

    @property
    def internal_token(self) -> str:
        assert self.secrets is not None
        return self.secrets.internal_token.read_text().strip()

    @property
    def midtrans_server_key(self) -> str:
        assert self.secrets is not None
        return self.secrets.midtrans_server_key.read_text().strip()

    @property
    def payment_webhook_secret(self) -> str:
        assert self.secrets is not None
        return self.secrets.payment_webhook_secret.read_text().strip()

    def log_path(self, name: str) -> Path:
        return self.config.workdir / "logs" / f"{name}.log"

    def _env_for(self, spec: ServiceSpec) -> dict[str, str]:
        assert self.secrets is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "ENVIRONMENT": "local",
            "LOG_JSON": "true" if self.config.log_json else "false",
            "INTERNAL_TOKEN_FILE": str(self.secrets.internal_token),
            "JWT_JWKS_URL": f"{self.url('auth')}/auth/.well-known/jwks.json",
            **SERVER_ENV,
        }
        # Every caller gets every instance; the JWKS URL is written against the first and the
        # auth client spreads it like any other call (shared/http.py).
        for other in (*SERVICES, GATEWAY):
            env[other.url_env] = self.urls(other.name)
        # Every provider adapter's base URL points at the sandbox (docs/architecture.md, the sandbox).
        sandbox = self.url(SANDBOX.name)
        env["AMADEUS_BASE_URL"] = f"{sandbox}/amadeus"
        env["DUFFEL_BASE_URL"] = f"{sandbox}/duffel"
        env["FERRY_OPERATOR_BASE_URL"] = f"{sandbox}/ferry"
        env["HOTELBEDS_BASE_URL"] = f"{sandbox}/hotelbeds"
        env["DIGIFLAZZ_BASE_URL"] = f"{sandbox}/digiflazz/v1"
        # notification-service's email goes to the sandbox's SMTP sink, its SMS to its Infobip.
        env["SMTP_HOST"] = self.config.host
        env["SMTP_PORT"] = env["SANDBOX_SMTP_PORT"] = str(self.config.smtp_port)
        env["INFOBIP_BASE_URL"] = f"{sandbox}/infobip"
        # Locally a mail server that was down gets its waiting messages seconds after it returns.
        env.setdefault("NOTIFY_MAX_RETRY_SECONDS", "5")
        # Digiflazz posts its callbacks for pending purchases through the gateway, as in production.
        env["SANDBOX_DIGIFLAZZ_CALLBACK_URL"] = f"{self.url(GATEWAY.name)}/webhooks/digiflazz"
        env["MIDTRANS_SNAP_BASE_URL"] = f"{sandbox}/midtrans/snap/v1"
        env["MIDTRANS_CORE_BASE_URL"] = f"{sandbox}/midtrans"
        # One generated Midtrans server key: payment-service uses it, the sandbox accepts it.
        env["MIDTRANS_SERVER_KEY_FILE"] = str(self.secrets.midtrans_server_key)
        env["SANDBOX_MIDTRANS_SERVER_KEY_FILE"] = str(self.secrets.midtrans_server_key)
        env["SANDBOX_MIDTRANS_NOTIFICATION_URL"] = f"{self.url(GATEWAY.name)}/webhooks/midtrans"
        # Xendit, the second gateway: one generated secret key and callback token, shared the same
        # way; its callbacks enter through the gateway's public /webhooks/xendit.
        env["XENDIT_BASE_URL"] = f"{sandbox}/xendit"
        env["XENDIT_ENABLED"] = "true"
        env["XENDIT_SECRET_KEY_FILE"] = str(self.secrets.xendit_secret_key)
        env["XENDIT_CALLBACK_TOKEN_FILE"] = str(self.secrets.xendit_callback_token)
        env["SANDBOX_XENDIT_SECRET_KEY_FILE"] = str(self.secrets.xendit_secret_key)
        env["SANDBOX_XENDIT_CALLBACK_TOKEN_FILE"] = str(self.secrets.xendit_callback_token)
        env["SANDBOX_XENDIT_CALLBACK_URL"] = f"{self.url(GATEWAY.name)}/webhooks/xendit"
        env["PAYMENT_WEBHOOK_SECRET_FILE"] = str(self.secrets.payment_webhook_secret)
        # auth-service signs account events with it, user-service checks them.
        env["ACCOUNT_EVENTS_SECRET_FILE"] = str(self.secrets.account_events_secret)
        # transaction-service signs its order events with it, notification-service checks them.
        env["ORDER_EVENTS_SECRET_FILE"] = str(self.secrets.order_events_secret)
        # transaction-service sells each product through its service's booking contract.
        env["PRODUCT_SERVICES"] = json.dumps({kind: self.urls(svc) for kind, svc in PRODUCT_SERVICES.items()})
        # Locally a stopped transaction-service gets its waiting events seconds after it returns.
        env.setdefault("PAYMENT_EVENTS_MAX_BACKOFF_SECONDS", "5")
        env.pop("DATABASE_URL", None)
        if spec.database and self.database:
            env["DATABASE_URL"] = self.database.url_for(spec.database)
        if spec.name == "auth":
            env["JWT_PRIVATE_KEY_FILE"] = str(self.secrets.jwt_private_key)
            env.setdefault("BOOTSTRAP_ADMIN_EMAIL", self.admin_email)
            if "BOOTSTRAP_ADMIN_PASSWORD" not in os.environ:
                env["BOOTSTRAP_ADMIN_PASSWORD_FILE"] = str(self.secrets.admin_password)
        if spec.name == "user":
            env["PERSONAL_DATA_KEYS_FILE"] = str(self.secrets.personal_data_keys)
            env["PERSONAL_DATA_HASH_KEY_FILE"] = str(self.secrets.personal_data_hash_key)
        if spec.name == GATEWAY.name:
            env.setdefault("CORS_ORIGINS", "http://localhost:3000,http://localhost:5173")
        env.update(self.config.extra_env)
        env.update(self.config.service_env.get(spec.name, {}))
        return env

    async def _at_head(self, spec: ServiceSpec) -> bool:
        """True when the service's database already holds its migrations' head revisions (read
        from the files and its version table; no Alembic, no import of the service)."""
        heads, table = script_heads(spec.path), version_table(spec.path)
        if heads is None or table is None or self.database is None or spec.database is None:
            return False
        return await self.database.applied_revisions(spec.database, table) == heads

    async def _migrate(self, spec: ServiceSpec) -> None:
        if not (spec.path / "alembic.ini").exists() or await self._at_head(spec):
            return
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "upgrade",
            "head",
            cwd=spec.path,
            env=self._env_for(spec),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"migrations of {spec.directory} failed:\n{output.decode(errors='replace')}")

    def _process_for(self, name: str, index: int) -> ManagedProcess:
        spec = by_name(service_of(name))
        argv = [
            sys.executable,
            "-m",
            "devstack.serve",  # uvicorn (devstack/serve.py says what it leaves out)
            "app:create_app",
            "--factory",
            "--host",
            self.config.host,
            "--port",
            self.url(name).rpartition(":")[2],
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "5",
        ]
        if spec.name == "auth":
            # auth-service reads X-Forwarded-For itself (TRUSTED_PROXIES: the gateway on loopback).
            argv.append("--no-proxy-headers")
        return ManagedProcess(
            name,
            argv,
            cwd=spec.path,
            env=self._env_for(spec),
            log_path=self.log_path(name),
            echo=self.config.echo,
            color_index=index,
        )

    async def start(self) -> None:
        self.config.workdir.mkdir(parents=True, exist_ok=True)
        (self.config.workdir / "logs").mkdir(exist_ok=True)
        self.secrets = ensure_dev_secrets(self.config.secrets_dir)
        self.database = DatabaseServer(
            self.config.database_url, self.config.workdir / "pgdata", suffix=self.config.database_suffix
        )
        stateful = [s for s in SERVICES if s.database]
        await self.database.ensure_databases([s.database for s in stateful if s.database])
        # Nothing waits for what it does not need: the sandbox and the gateway have no database
        # (and no service calls the sandbox while starting; the gateway's readiness asks
        # auth-service), and each service starts as soon as its own migrations are done.
        await self.start_service(SANDBOX.name, len(SERVICES) + 1)
        await self.start_service(GATEWAY.name, len(SERVICES))
        await _all_or_none([self._migrate_and_start(spec, index) for index, spec in enumerate(SERVICES)])
        instances = [name for spec in SERVICES for name in self.instances(spec.name)]
        await asyncio.gather(
            *(
                wait_until_ready(f"{self.url(name)}/readyz", self.processes[name], self.config.ready_timeout)
                for name in [SANDBOX.name, *instances, GATEWAY.name]
            )
        )

    async def _migrate_and_start(self, spec: ServiceSpec, index: int) -> None:
        await self._migrate(spec)
        for number, name in enumerate(self.instances(spec.name)):
            await self.start_service(name, index + number * len(SERVICES))

    async def start_service(self, name: str, index: int = 0) -> None:
        """Starts one process: a service's instance ("payment", "payment-2"), the gateway or the sandbox."""
        process = self._process_for(name, index)
        await process.start()
        self.processes[name] = process

    def kill_instance(self, name: str) -> None:
        """SIGKILL one process (no shutdown, no drain), as a node failure would."""
        self.processes[name].kill_now()

    async def restart_service(self, name: str) -> None:
        await self.stop_service(name)
        await self.start_service(name)
        await wait_until_ready(f"{self.url(name)}/readyz", self.processes[name], self.config.ready_timeout)

    async def stop_service(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process:
            await process.stop()

    async def stop(self) -> None:
        # The gateway first, so nothing new comes in while the services drain.
        services = [name for spec in reversed(SERVICES) for name in reversed(self.instances(spec.name))]
        for name in [GATEWAY.name, *services, SANDBOX.name]:
            await self.stop_service(name)
        if self.database:
            await self.database.drop_databases()
            self.database.stop()
            self.database = None

    def kill_now(self) -> None:
        for process in self.processes.values():
            process.kill_now()
        if self.database:
            self.database.stop()
