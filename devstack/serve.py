"""How the stack runs a service: uvicorn, with the arguments the Dockerfiles give it, minus three
optional imports that only the development environment would trigger or that nothing here uses.

httpx imports its command-line client (httpx._main, and with it rich and pygments) and httpcore
imports trio whenever they are installed. The service images install none of them; the
development environment has them for its tools (rich and pygments for the linters and the API
fuzzer, trio for Selenium), so each process of `make dev` would load about 8 MiB it never uses.
Marked absent here, httpx falls back to its stub and httpcore to anyio, exactly as in the images
(the services run under asyncio, never trio).

uvicorn imports watchfiles (with its Rust extension) for `--reload`, which the stack never passes;
marked absent, uvicorn keeps its stat-based reloader as the fallback. About 1 MiB a process."""

from __future__ import annotations

import sys

for _unused in ("httpx._main", "trio", "watchfiles"):
    sys.modules.setdefault(_unused, None)  # type: ignore[arg-type]

from uvicorn.main import main  # noqa: E402 (after the marks above, on purpose)

if __name__ == "__main__":
    main(prog_name="uvicorn")
