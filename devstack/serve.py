"""How the stack runs a service: uvicorn, with the arguments the Dockerfiles give it, minus
httpx's command-line client.

httpx imports its command-line client (httpx._main, and with it click, rich and pygments) whenever
they are installed. The service images install none of them; the development environment has rich
and pygments for its tools, so each process of `make dev` would load them for nothing (about
5 MiB each). Marked absent here, httpx falls back to its stub exactly as it does in the images."""

from __future__ import annotations

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from uvicorn.main import main  # noqa: E402 (after the mark above, on purpose)

if __name__ == "__main__":
    main(prog_name="uvicorn")
