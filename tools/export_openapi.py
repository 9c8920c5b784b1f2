"""Writes each service's openapi.json from its app: `python tools/export_openapi.py [service-dir…]`.

Each service is exported in a subprocess of its own: every service has top-level packages
named `domain`, `adapters` and `routes`, so two can never share one interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.catalog import GATEWAY, SERVICES  # noqa: E402
from testkit.openapi import PLACEHOLDER_ENV  # noqa: E402

_EXPORT = """
import sys
from pathlib import Path
from app import create_app
from testkit.openapi import render
Path("openapi.json").write_text(render(create_app().openapi()), encoding="utf-8")
"""


def export(service_dir: Path) -> None:
    env = {**os.environ, **PLACEHOLDER_ENV, "PYTHONPATH": f"{service_dir}{os.pathsep}{ROOT}"}
    subprocess.run([sys.executable, "-c", _EXPORT], cwd=service_dir, env=env, check=True)
    print(f"wrote {service_dir.name}/openapi.json")


def main(argv: list[str]) -> None:
    dirs = [ROOT / d for d in argv] if argv else [spec.path for spec in (*SERVICES, GATEWAY)]
    for service_dir in dirs:
        if (service_dir / "app.py").exists():
            export(service_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
