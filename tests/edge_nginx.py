"""The project's own nginx.conf, run by a real nginx in front of the end-to-end gateway.

`render()` turns nginx/nginx.conf (the file docker-compose.yml mounts) into a config this machine
can run, changing only what belongs to the deployment and not to the edge's behaviour: where it
listens, the upstream's address, the certificate's paths, and where the pid, logs and temporary
files go. Everything else (routing, limits, headers, nginx's own problem+json answers) is the
shipped file, read and written back by crossplane. A directive that is not where the renderer
expects it fails the render, so the file and the tests cannot drift apart silently.

`NginxEdge` starts `nginx -g 'daemon off;' -p <prefix> -c <rendered>` with a self-signed
certificate made at start-up, and hands out HTTPS clients that trust exactly that certificate.
Clients can connect from any 127.0.0.0/8 address, so each test is a client address of its own
(nginx's per-address limits and auth-service's sign-in throttling count per address).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devstack.secrets import self_signed_localhost_certificate

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "nginx" / "nginx.conf"
# Debian installs nginx in /usr/sbin, which is not on every PATH.
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
# `http2 on;` is nginx 1.25.1's spelling; older nginx (Debian 12 ships 1.22) takes `listen ... http2`.
HTTP2_DIRECTIVE_SINCE = (1, 25, 1)
STARTUP_ERROR_LOG_FLAG_SINCE = (1, 19, 5)
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

Directive = dict[str, Any]
Block = list[Directive]


def find_nginx() -> str | None:
    """The nginx binary, or None where it is not installed (the nginx tier then does not run)."""
    for name in NGINX_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def nginx_version(binary: str) -> tuple[int, ...]:
    output = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True, timeout=10).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", output)
    assert match, f"cannot read the version of {binary}: {output!r}"
    return tuple(int(part) for part in match.groups())


# --- rendering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """What differs between compose's deployment and this machine's."""

    upstream: str  # host:port of the API gateway
    http_port: int
    https_port: int
    prefix: Path  # pid, logs and temporary files live here
    certificate: Path
    private_key: Path
    version: tuple[int, ...] = HTTP2_DIRECTIVE_SINCE
    listen_host: str = "127.0.0.1"

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "error.log"


def _only(block: Block, name: str, args: list[str] | None = None) -> Directive:
    found = [d for d in block if d["directive"] == name and (args is None or d["args"] == args)]
    assert len(found) == 1, f"nginx.conf: expected one `{name} {' '.join(args or [])}`, found {len(found)}"
    return found[0]


def _set_path(block: Block, name: str, path: Path) -> None:
    _only(block, name)["args"][0] = str(path)


def _servers_by_port(http: Block) -> dict[str, Block]:
    servers: dict[str, Block] = {}
    for server in (d for d in http if d["directive"] == "server"):
        port = _only(server["block"], "listen")["args"][0]
        servers[port] = server["block"]
    assert set(servers) == {"80", "443"}, f"nginx.conf: servers on {sorted(servers)}, expected 80 and 443"
    return servers


def _listen(server: Block, port: int, placement: Placement, extra: list[str]) -> None:
    listen = _only(server, "listen")
    listen["args"] = [f"{placement.listen_host}:{port}", *listen["args"][1:], *extra]


def render(placement: Placement, source: Path = NGINX_CONF) -> str:
    import crossplane

    parsed = crossplane.parse(str(source), single=True, comments=False)
    assert parsed["status"] == "ok", parsed["errors"]
    main: Block = parsed["config"][0]["parsed"]

    _set_path(main, "pid", placement.prefix / "nginx.pid")
    _set_path(main, "error_log", placement.error_log)
    http: Block = _only(main, "http")["block"]
    _set_path(http, "access_log", placement.access_log)
    # Compiled-in temporary paths point at /var/lib/nginx; these go to the prefix.
    for name in TEMP_PATHS:
        assert not [d for d in http if d["directive"] == f"{name}_temp_path"], name
        http.append({"directive": f"{name}_temp_path", "args": [str(placement.prefix / "temp" / name)]})

    upstream = _only(http, "upstream", ["api_gateway"])["block"]
    _only(upstream, "server")["args"][0] = placement.upstream

    servers = _servers_by_port(http)
    _listen(servers["80"], placement.http_port, placement, [])
    tls = servers["443"]
    _set_path(tls, "ssl_certificate", placement.certificate)
    _set_path(tls, "ssl_certificate_key", placement.private_key)
    http2 = _only(tls, "http2")
    if placement.version < HTTP2_DIRECTIVE_SINCE:
        tls.remove(http2)
        _listen(tls, placement.https_port, placement, ["http2"] if http2["args"] == ["on"] else [])
    else:
        _listen(tls, placement.https_port, placement, [])
    built: str = crossplane.build(main)
    return built + "\n"


# --- certificate ---------------------------------------------------------------------------------


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """make dev's certificate for 127.0.0.1 and localhost (its own CA: clients trust it and
    nothing else), valid for a day, written where the rendered config reads it."""
    certificate, private_key = self_signed_localhost_certificate(days=1)
    cert_path, key_path = directory / "tls_certificate.pem", directory / "tls_private_key.pem"
    cert_path.write_bytes(certificate)
    key_path.write_bytes(private_key)
    key_path.chmod(0o600)
    return cert_path, key_path


# --- the process ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fresh_loopback_address() -> str:
    """An address of 127.0.0.0/8 other than 127.0.0.1 (which the gateway and auth-service trust as
    a proxy): a client nobody else in this run has been."""
    n = uuid.uuid4().int
    return f"127.{n % 250 + 1}.{n // 250 % 250 + 1}.{n // 62500 % 250 + 2}"


class NginxEdge:
    """nginx running the rendered nginx.conf, in the foreground, in a prefix of its own."""

    def __init__(self, binary: str, prefix: Path, upstream: str) -> None:
        self.binary = binary
        self.version = nginx_version(binary)
        certificate, private_key = self_signed_certificate(prefix)
        self.placement = Placement(
            upstream=upstream,
            http_port=free_port(),
            https_port=free_port(),
            prefix=prefix,
            certificate=certificate,
            private_key=private_key,
            version=self.version,
        )
        self.config_path = prefix / "nginx.conf"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def https_url(self) -> str:
        return f"https://{self.placement.listen_host}:{self.placement.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.placement.listen_host}:{self.placement.http_port}"

    def _prepare(self) -> None:
        prefix = self.placement.prefix
        (prefix / "logs").mkdir(exist_ok=True)
        for name in TEMP_PATHS:
            (prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # As root the workers run as nginx's compiled-in user (nobody): they write request
            # bodies to the temporary paths, so those are theirs.
            nobody = pwd.getpwnam("nobody")
            prefix.chmod(0o755)
            (prefix / "temp").chmod(0o755)
            for name in TEMP_PATHS:
                os.chown(prefix / "temp" / name, nobody.pw_uid, nobody.pw_gid)
        self.config_path.write_text(render(self.placement), encoding="utf-8")

    def _command(self, *extra: str) -> list[str]:
        command = [self.binary, "-p", str(self.placement.prefix), "-c", str(self.config_path)]
        if self.version >= STARTUP_ERROR_LOG_FLAG_SINCE:
            # The log nginx writes before it has read the config (else its compiled-in path).
            command += ["-e", str(self.placement.error_log)]
        return [*command, *extra]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._command("-t"), capture_output=True, text=True, timeout=30)

    def start(self, timeout: float = 20.0) -> None:
        self._prepare()
        checked = self.test_config()
        assert checked.returncode == 0, f"nginx -t refused the rendered config:\n{checked.stderr}"
        self._process = subprocess.Popen(
            self._command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise AssertionError(f"nginx exited with {self._process.returncode}:\n{self.errors()}")
            try:
                if httpx.get(f"{self.http_url}/nginx-health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"nginx did not answer within {timeout}s:\n{self.errors()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._process = None

    def errors(self) -> str:
        path = self.placement.error_log
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts exactly the certificate made for this edge, with hostname checks on."""
        return ssl.create_default_context(cafile=str(self.placement.certificate))

    def client(self, address: str | None = None, *, https: bool = True) -> httpx.Client:
        """A client of the edge from `address` (a fresh loopback address when None)."""
        transport = httpx.HTTPTransport(
            verify=self.ssl_context(), local_address=address or fresh_loopback_address()
        )
        base = self.https_url if https else self.http_url
        return httpx.Client(base_url=base, transport=transport, timeout=30.0, follow_redirects=False)

    def access_log(self, matching: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """The access log's JSON entries that `matching` accepts (nginx writes a line as it
        finishes a request, before the next request on that connection is read)."""
        path = self.placement.access_log
        if not path.exists():
            return []
        entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        return [entry for entry in entries if matching(entry)]

    def logged(self, request_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The access log entry of one request, by its id."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.access_log(lambda entry: entry["request_id"] == request_id)
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no access log entry for request {request_id}")
            time.sleep(0.05)
