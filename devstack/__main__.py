"""`make dev`: the whole platform on http://localhost:8000 until Ctrl-C.

python -m devstack            # embedded PostgreSQL in .devstack/pgdata
DATABASE_URL=postgresql://postgres@localhost:5432/postgres python -m devstack
REPLICAS=2 python -m devstack # two processes of every service (`make dev REPLICAS=2`)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from devstack.catalog import ROOT, SERVICES
from devstack.stack import MAX_REPLICAS, Stack, StackConfig


def _database_label(stack: Stack) -> str:
    if stack.database and stack.database.embedded:
        return "embedded PostgreSQL (.devstack/pgdata)"
    return "the server DATABASE_URL names"


def _ports(stack: Stack, service: str) -> str:
    return " ".join(f":{port}" for port in stack.config.instance_ports(service))


def _replicas() -> int:
    value = os.environ.get("REPLICAS", "1").strip() or "1"
    if not value.isdigit() or not 1 <= int(value) <= MAX_REPLICAS:
        raise SystemExit(f"REPLICAS must be a whole number from 1 to {MAX_REPLICAS}, not {value!r}")
    return int(value)


def _banner(stack: Stack) -> str:
    gateway = stack.gateway_url.replace("//127.0.0.1:", "//localhost:")
    lines = [
        "",
        "TiketQ is up.",
        f"  API (gateway)   {gateway}",
        f"  Swagger UI      {gateway}/docs  (Authorize logs in through /auth/login)",
        f"  ReDoc           {gateway}/redoc",
        "  Services        " + ", ".join(f"{s.name} {_ports(stack, s.name)}" for s in SERVICES),
        f"  Sandbox         {stack.url('sandbox')}  (the suppliers' stand-in; knobs at /sandbox/knobs)",
        f"  Database        {_database_label(stack)}",
        f"  Admin login     {stack.admin_email} / {stack.admin_password}",
        "  Logs            .devstack/logs/<service>.log (and below)",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


async def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devstack: %(message)s", datefmt="%H:%M:%S")
    for chatty in ("pgserver", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    workdir = ROOT / ".devstack"
    config = StackConfig(
        workdir=workdir,
        secrets_dir=ROOT / "secrets",
        database_url=os.environ.get("DATABASE_URL"),
        host=os.environ.get("DEV_HOST", "127.0.0.1"),
        replicas=_replicas(),
    )
    stack = Stack(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(stack.start())
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if starting in done:
            starting.result()  # raises if start-up failed
            print(_banner(stack), flush=True)
            while not stop.is_set():
                exited = [p.name for p in stack.processes.values() if p.exited]
                if exited:
                    logging.error("%s exited; stopping the stack (see .devstack/logs)", ", ".join(exited))
                    return 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
        else:
            starting.cancel()
        return 0
    except Exception as exc:
        logging.error("start-up failed: %s", exc)
        return 1
    finally:
        logging.info("stopping…")
        stopper.cancel()
        await stack.stop()
        logging.info("stopped.")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
