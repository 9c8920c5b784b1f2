"""The render the nginx tier runs (tests/edge_nginx.py): nginx/nginx.conf with only its placement
changed (where nginx listens and writes, its upstream and certificate), and `make test` naming the
tier where nginx is missing. No nginx binary is needed.

    cd /work/main && .venv/bin/pytest tests/test_nginx_render.py -q -p no:cacheprovider
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from the repository root without the suite's pytest.ini
    sys.path.insert(0, str(ROOT))

from tests.edge_nginx import NGINX_CONF, Placement, render  # noqa: E402

Block = list[dict[str, Any]]


# What differs between compose's deployment and a machine's: where nginx listens and writes, the
# upstream's address and the certificate's files. Everything else must come through unchanged.
DEPLOYMENT_DIRECTIVES = {"pid", "error_log", "access_log", "listen", "ssl_certificate", "ssl_certificate_key"}


def _flat(block: Block, within: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, list[str]]]:
    found = []
    for directive in block:
        found.append((within, directive["directive"], directive["args"]))
        if "block" in directive:
            inner = (*within, " ".join([directive["directive"], *directive["args"]]))
            found += _flat(directive["block"], inner)
    return found


def _rendered(tmp_path: Path, version: tuple[int, ...]) -> tuple[Block, Block]:
    import crossplane

    placement = Placement(
        upstream="127.0.0.1:18000",
        http_port=18080,
        https_port=18443,
        prefix=tmp_path,
        certificate=tmp_path / "cert.pem",
        private_key=tmp_path / "key.pem",
        version=version,
    )
    target = tmp_path / "nginx.conf"
    target.write_text(render(placement), encoding="utf-8")
    source = crossplane.parse(str(NGINX_CONF), single=True)["config"][0]["parsed"]
    rendered = crossplane.parse(str(target), single=True)["config"][0]["parsed"]
    return source, rendered


def test_the_nginx_tier_runs_this_file_with_only_its_placement_changed(tmp_path: Path) -> None:
    source, rendered = _rendered(tmp_path, (1, 27, 0))
    before = _flat(source)
    after = [d for d in _flat(rendered) if not d[1].endswith("_temp_path")]
    assert len(after) == len(before)
    changed = set()
    for (within, name, args), (within_after, name_after, args_after) in zip(before, after, strict=True):
        assert (within, name) == (within_after, name_after)
        if args != args_after:
            changed.add(name if name != "server" else f"{within[-1]} server")
    assert changed <= DEPLOYMENT_DIRECTIVES | {"upstream api_gateway server"}, changed
    assert "upstream api_gateway server" in changed
    listens = [args for _, name, args in _flat(rendered) if name == "listen"]
    assert listens == [["127.0.0.1:18080", "default_server"], ["127.0.0.1:18443", "ssl", "default_server"]]
    temp_paths = [args[0] for _, name, args in _flat(rendered) if name.endswith("_temp_path")]
    assert len(temp_paths) == 5
    assert all(path.startswith(str(tmp_path)) for path in temp_paths)


def test_for_nginx_before_1_25_http2_moves_onto_the_listen_line(tmp_path: Path) -> None:
    _, rendered = _rendered(tmp_path, (1, 22, 1))
    flat = _flat(rendered)
    assert not [d for d in flat if d[1] == "http2"]
    assert ["127.0.0.1:18443", "ssl", "default_server", "http2"] in [a for _, n, a in flat if n == "listen"]


def test_without_nginx_make_test_names_the_tier_instead_of_skipping_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tests.edge_nginx as edge

    spec = importlib.util.spec_from_file_location("run_tests_for_nginx", ROOT / "tools" / "run_tests.py")
    assert spec is not None
    assert spec.loader is not None
    run_tests = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, run_tests)  # its dataclass looks its module up
    spec.loader.exec_module(run_tests)
    monkeypatch.setattr(edge, "NGINX_CANDIDATES", ("tiketq-no-such-nginx",))
    assert run_tests.tiers_not_run()["nginx"] == "not installed"
    monkeypatch.setattr(edge, "NGINX_CANDIDATES", (sys.executable,))  # stands in for an installed one
    assert "nginx" not in run_tests.tiers_not_run()
