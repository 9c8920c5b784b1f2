"""The deployment files agree with the code and with each other.

No Docker engine is needed: docker-compose.yml is checked against the official Compose schema
and read as YAML, Dockerfiles as instruction lists, nginx.conf through crossplane, and
postgres/init.sql is run for real by psql against a throwaway embedded PostgreSQL.

    cd /work/main && .venv/bin/pytest tests/test_deploy_files.py -q -p no:cacheprovider
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from the repository root without the suite's pytest.ini
    sys.path.insert(0, str(ROOT))

from devstack import embedded_postgres  # noqa: E402
from devstack.catalog import GATEWAY, SERVER_ENV, SERVICES, ServiceSpec, by_name  # noqa: E402
from devstack.secrets import DevSecrets  # noqa: E402
from devstack.stack import PRODUCT_SERVICES  # noqa: E402
from tests.deploy_helpers import (  # noqa: E402
    COMPOSE_FILE,
    ENV_EXAMPLE,
    INIT_SQL,
    distributions_of,
    dockerfile_instructions,
    documented_env_names,
    exec_form,
    interpolate,
    interpolated_names,
    load_compose,
    load_settings,
    read_env_file,
    required_settings,
    requirement_closure,
    runtime_imports,
    service_environment,
    without_interpolation,
)

PROCESSES = (GATEWAY, *SERVICES)
STATEFUL = tuple(spec for spec in SERVICES if spec.database)
# The file secrets compose mounts are exactly the files `make dev` generates (devstack/secrets.py).
FILE_SECRETS = {
    value.stem
    for value in (getattr(DevSecrets(Path("secrets")), name) for name in dir(DevSecrets))
    if isinstance(value, Path) and value.parent == Path("secrets")
}


def _id(spec: ServiceSpec) -> str:
    return spec.directory


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


# --- docker-compose.yml --------------------------------------------------------------------------


def test_compose_file_validates_against_the_official_compose_spec_schema() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_file_has_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_every_process_of_the_catalogue_is_a_compose_service(services: dict[str, Any]) -> None:
    expected = {spec.directory for spec in PROCESSES} | {"nginx", "postgres", "redis", "rabbitmq"}
    assert expected <= set(services)


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_python_services_build_from_the_repository_root_with_their_own_dockerfile(
    services: dict[str, Any], spec: ServiceSpec
) -> None:
    # Services import the root `shared/` package, so the build context must be the root.
    build = services[spec.directory]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"{spec.directory}/Dockerfile"


def test_every_build_has_an_existing_context_and_dockerfile(services: dict[str, Any]) -> None:
    built = {name: svc["build"] for name, svc in services.items() if "build" in svc}
    assert built
    for name, build in built.items():
        build = {"context": build} if isinstance(build, str) else build
        context = (ROOT / build["context"]).resolve()
        assert context.is_dir(), f"{name}: build context {context} is missing"
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"


def test_every_compose_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    missing = [name for name, svc in services.items() if not (svc.get("healthcheck") or {}).get("test")]
    assert not missing


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_python_service_healthcheck_asks_its_own_health_endpoint(
    services: dict[str, Any], spec: ServiceSpec
) -> None:
    test = " ".join(services[spec.directory]["healthcheck"]["test"])
    assert "python" in test
    assert "urllib.request" in test
    assert re.search(rf"http://127\.0\.0\.1:{spec.port}/(healthz|readyz)", test), test


def test_infrastructure_healthchecks_use_the_images_own_probes(services: dict[str, Any]) -> None:
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert services["rabbitmq"]["healthcheck"]["test"][1:] == ["rabbitmq-diagnostics", "-q", "ping"]
    nginx_test = " ".join(services["nginx"]["healthcheck"]["test"])
    assert re.search(r"(wget|curl)\b.*http://127\.0\.0\.1(:80)?/healthz", nginx_test), nginx_test


def test_every_dependency_waits_for_a_healthy_service(services: dict[str, Any]) -> None:
    for name, svc in services.items():
        depends_on = svc.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on must use conditions"
        for target, rule in depends_on.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert rule.get("condition") == "service_healthy", f"{name} -> {target}"


def test_start_order_is_edge_after_gateway_after_services_after_state(services: dict[str, Any]) -> None:
    assert set(services["nginx"]["depends_on"]) == {"api-gateway"}
    assert set(services["api-gateway"]["depends_on"]) == {spec.directory for spec in SERVICES}
    for spec in STATEFUL:
        assert "postgres" in services[spec.directory]["depends_on"]
    assert "redis" in services["auth-service"]["depends_on"]
    # Add the sandbox where the file says so when its issue lands.
    assert "sandbox" in COMPOSE_FILE.read_text(encoding="utf-8")


def test_only_nginx_publishes_a_port(services: dict[str, Any]) -> None:
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"nginx"}
    assert any(str(port).endswith(":80") for port in services["nginx"]["ports"])


def test_nginx_reaches_only_the_gateway_network(services: dict[str, Any]) -> None:
    edge = set(services["nginx"]["networks"])
    for spec in SERVICES:
        assert not edge & set(services[spec.directory]["networks"]), spec.directory
    assert edge & set(services["api-gateway"]["networks"])


def test_postgres_16_runs_init_sql_on_a_named_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16-alpine"
    mounts = [str(volume) for volume in postgres["volumes"]]
    assert any(m.startswith("./postgres/init.sql:/docker-entrypoint-initdb.d/") for m in mounts)
    named = [m.split(":", 1)[0] for m in mounts if not m.startswith((".", "/"))]
    assert named
    assert all(name in compose["volumes"] for name in named)
    env = service_environment(postgres)
    assert env["POSTGRES_USER_FILE"] == "/run/secrets/db_user"
    assert env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"


def test_redis_7_is_the_cache(services: dict[str, Any]) -> None:
    assert services["redis"]["image"] == "redis:7-alpine"
    assert service_environment(services["auth-service"])["REDIS_URL"] == "redis://redis:6379/0"


def test_rabbitmq_carries_the_order_events_from_transaction_to_notification_service(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    rabbitmq = services["rabbitmq"]
    assert re.fullmatch(r"rabbitmq:(3\.13|4\.\d+)(-management)?-alpine", rabbitmq["image"])
    # The node name comes from the hostname: fixed, so the volume's queues outlive the container.
    assert rabbitmq["hostname"] == "rabbitmq"
    named = [str(m).split(":", 1)[0] for m in rabbitmq["volumes"] if str(m).endswith(":/var/lib/rabbitmq")]
    assert named
    assert named[0] in compose["volumes"]
    env = service_environment(rabbitmq)
    password = env["RABBITMQ_DEFAULT_PASS"]
    assert password.startswith("${RABBITMQ_PASSWORD:?")
    for name in ("transaction-service", "notification-service"):
        url = service_environment(services[name])["RABBITMQ_URL"]
        assert url == f"amqp://{env['RABBITMQ_DEFAULT_USER']}:{password}@rabbitmq:5672/", name
        assert services[name]["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}
    # No other service talks to the broker.
    users = {name for name, svc in services.items() if "RABBITMQ_URL" in service_environment(svc)}
    assert users == {"transaction-service", "notification-service"}


def test_every_secret_a_service_mounts_is_declared_with_a_source_under_secrets_or_in_env(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    declared = compose["secrets"]
    for name, svc in compose["services"].items():
        for ref in svc.get("secrets") or []:
            secret = ref["source"] if isinstance(ref, dict) else ref
            assert secret in declared, f"{name} mounts undeclared secret {secret}"
    for secret, source in declared.items():
        if "file" in source:
            assert source["file"].startswith("./secrets/"), secret
        else:
            assert source.get("environment") in env_example, f"{secret}: its variable is not in .env.example"
    files = {s for s, source in declared.items() if "file" in source}
    assert files == FILE_SECRETS


def test_every_file_variable_points_at_a_secret_the_service_mounts(services: dict[str, Any]) -> None:
    for name, svc in services.items():
        mounted = {ref["source"] if isinstance(ref, dict) else ref for ref in svc.get("secrets") or []}
        for key, value in service_environment(svc).items():
            if key.endswith("_FILE"):
                assert value.startswith("/run/secrets/"), f"{name}: {key}={value}"
                assert value.removeprefix("/run/secrets/") in mounted, f"{name}: {key} is not mounted"


@pytest.mark.parametrize("spec", STATEFUL, ids=_id)
def test_each_service_connects_as_its_own_role_to_its_own_database(
    services: dict[str, Any], spec: ServiceSpec
) -> None:
    url = service_environment(services[spec.directory])["DATABASE_URL"]
    parts = urlsplit(without_interpolation(url, "password"))
    assert parts.scheme == "postgresql"
    assert parts.username == spec.database
    assert parts.hostname == "postgres"
    assert parts.port == 5432
    assert parts.path == f"/{spec.database}"
    assert interpolated_names(url) == {f"{spec.name.upper()}_DB_PASSWORD"}


def test_the_gateway_has_no_database(services: dict[str, Any]) -> None:
    assert "DATABASE_URL" not in service_environment(services["api-gateway"])


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_process_gets_the_platform_wiring(services: dict[str, Any], spec: ServiceSpec) -> None:
    env = service_environment(services[spec.directory])
    assert {"ENVIRONMENT", "LOG_LEVEL", "LOG_JSON"} <= set(env)
    assert env["INTERNAL_TOKEN_FILE"] == "/run/secrets/internal_token"
    assert env["JWT_JWKS_URL"] == "http://auth-service:8001/auth/.well-known/jwks.json"
    for other in SERVICES:
        assert env[other.url_env] == f"http://{other.directory}:{other.port}", other.url_env


def test_auth_service_gets_its_keys_admin_and_redis(services: dict[str, Any]) -> None:
    env = service_environment(services["auth-service"])
    assert env["JWT_PRIVATE_KEY_FILE"] == "/run/secrets/jwt_private_key"
    assert env["BOOTSTRAP_ADMIN_PASSWORD_FILE"] == "/run/secrets/bootstrap_admin_password"
    assert "BOOTSTRAP_ADMIN_EMAIL" in env
    assert env["USER_SERVICE_URL"] == "http://user-service:8002"


def test_gateway_gets_cors_and_upstream_timeout(services: dict[str, Any]) -> None:
    env = service_environment(services["api-gateway"])
    assert {"CORS_ORIGINS", "UPSTREAM_TIMEOUT_SECONDS"} <= set(env)


def test_compose_sells_every_product_make_dev_sells(services: dict[str, Any]) -> None:
    """transaction-service can order a product only if PRODUCT_SERVICES names it: compose must
    name the same products as make dev, each at its own service's compose address."""
    products = json.loads(service_environment(services["transaction-service"])["PRODUCT_SERVICES"])
    expected = {
        kind: f"http://{by_name(name).directory}:{by_name(name).port}"
        for kind, name in PRODUCT_SERVICES.items()
    }
    assert products == expected


# --- required settings vs compose and .env.example ------------------------------------------------

WITH_CONFIG = tuple(spec for spec in PROCESSES if (spec.path / "config.py").exists())


@pytest.mark.parametrize("spec", WITH_CONFIG, ids=_id)
def test_every_required_setting_is_provided_by_compose_and_documented(
    services: dict[str, Any], spec: ServiceSpec
) -> None:
    found = required_settings(spec.path)
    assert "RuntimeSettings" in found["groups"], found  # the discovery itself works
    env = set(service_environment(services[spec.directory]))
    documented = documented_env_names()
    for alternatives in found["required"]:
        accepted = set(alternatives) | {f"{name}_FILE" for name in alternatives}
        assert env & accepted, f"{spec.directory} requires one of {sorted(accepted)}; compose sets none"
        assert documented & accepted, f"{spec.directory}: document one of {sorted(accepted)} in .env.example"


@pytest.mark.parametrize("spec", WITH_CONFIG, ids=_id)
def test_every_setting_a_service_reads_is_documented_in_env_example(spec: ServiceSpec) -> None:
    documented = documented_env_names()
    undocumented = [names[0] for names in required_settings(spec.path)["all"] if not documented & set(names)]
    assert not undocumented, f"{spec.directory} reads {undocumented}: add them to .env.example"


@pytest.fixture(scope="module")
def secret_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stand-ins for secrets/, made the way `make dev` makes them (devstack/secrets.py)."""
    from devstack.secrets import ensure_dev_secrets

    directory = tmp_path_factory.mktemp("secrets")
    ensure_dev_secrets(directory)
    return {path.name.rsplit(".", 1)[0]: path for path in directory.iterdir()}


@pytest.mark.parametrize("spec", WITH_CONFIG, ids=_id)
def test_each_service_accepts_the_configuration_compose_hands_it(
    services: dict[str, Any], env_example: dict[str, str], secret_files: dict[str, Path], spec: ServiceSpec
) -> None:
    # `docker compose up` after `cp .env.example .env`, replacing every change-me value as it
    # says, and `make dev`: the service's own Settings.from_env() must accept it
    # (ENVIRONMENT=production refuses placeholders, change-me database passwords included).
    filled = {key: value.replace("change-me", f"filled-{key.lower()}") for key, value in env_example.items()}
    env = {}
    for key, value in service_environment(services[spec.directory]).items():
        resolved = interpolate(value, filled)
        if resolved.startswith("/run/secrets/"):
            resolved = str(secret_files[resolved.removeprefix("/run/secrets/")])
        env[key] = resolved
    result = load_settings(spec.path, env)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_interpolated_variable_is_in_env_example(env_example: dict[str, str]) -> None:
    names = interpolated_names(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert names
    assert not names - set(env_example), f"missing from .env.example: {sorted(names - set(env_example))}"


def test_env_example_secrets_are_change_me_placeholders(env_example: dict[str, str]) -> None:
    secret_like = {k: v for k, v in env_example.items() if re.search(r"PASSWORD|TOKEN|SECRET|KEY$", k)}
    assert secret_like
    assert all("change-me" in value for value in secret_like.values()), secret_like


def test_env_example_keeps_the_seed_postgres_names_and_the_contract_names() -> None:
    documented = documented_env_names()
    contract = {
        "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "ENVIRONMENT", "LOG_LEVEL", "LOG_JSON",
        "MAX_BODY_BYTES", "DATABASE_URL", "DATABASE_POOL_SIZE", "INTERNAL_TOKEN", "JWT_ISSUER",
        "JWT_AUDIENCE", "JWT_JWKS_URL", "JWT_ACCOUNT_STATE_TTL_SECONDS", "JWT_PRIVATE_KEY",
        "JWT_ACCESS_TTL_SECONDS", "JWT_REFRESH_TTL_SECONDS", "BOOTSTRAP_ADMIN_EMAIL",
        "BOOTSTRAP_ADMIN_PASSWORD", "REDIS_URL", "CORS_ORIGINS", "UPSTREAM_TIMEOUT_SECONDS",
    } | {spec.url_env for spec in SERVICES}  # fmt: skip
    assert not contract - documented, sorted(contract - documented)


# --- Dockerfiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_dockerfile_is_python_311_non_root_with_healthcheck_and_layered_dependencies(
    spec: ServiceSpec,
) -> None:
    steps = dockerfile_instructions(spec.path / "Dockerfile")
    keywords = [step.keyword for step in steps]

    bases = [step.args.split()[0] for step in steps if step.keyword == "FROM"]
    assert bases
    assert all(base.startswith("python:3.11-") for base in bases), bases

    users = [step.args for step in steps if step.keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}

    env = " ".join(step.args for step in steps if step.keyword == "ENV")
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PYTHONPATH=/app"):
        assert setting in env
    # The server's settings `make dev` gives every process too.
    for name, value in SERVER_ENV.items():
        assert f"{name}={value}" in env

    copies = [i for i, step in enumerate(steps) if step.keyword == "COPY" and "--from" not in step.args]
    copied = {i: steps[i].args.split()[0] for i in copies}
    installs = [i for i, s in enumerate(steps) if s.keyword == "RUN" and "pip install" in s.args]
    requirement_copies = [i for i, src in copied.items() if src.endswith("requirements.txt")]
    code_copies = [i for i, src in copied.items() if src.rstrip("/") in {"shared", spec.directory}]
    assert {copied[i] for i in requirement_copies} == {
        "shared/requirements.txt",
        f"{spec.directory}/requirements.txt",
    }
    assert {copied[i].rstrip("/") for i in code_copies} == {"shared", spec.directory}
    assert installs
    assert f"-r {spec.directory}/requirements.txt" in steps[installs[0]].args
    assert "--no-cache-dir" in steps[installs[0]].args
    assert max(requirement_copies) < installs[0] < min(code_copies), (
        "dependencies must be layered before code"
    )

    workdirs = [step.args for step in steps if step.keyword == "WORKDIR"]
    assert workdirs[-1] == f"/app/{spec.directory}"
    assert f"EXPOSE {spec.port}" in {f"{s.keyword} {s.args}" for s in steps}

    assert keywords.count("HEALTHCHECK") == 1
    healthcheck = next(step.args for step in steps if step.keyword == "HEALTHCHECK")
    assert "urllib.request" in healthcheck
    assert f"http://127.0.0.1:{spec.port}/healthz" in healthcheck


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_dockerfile_migrates_then_serves_the_app_factory(spec: ServiceSpec) -> None:
    steps = dockerfile_instructions(spec.path / "Dockerfile")
    command = " ".join(exec_form(next(s.args for s in reversed(steps) if s.keyword == "CMD")))
    # auth-service reads X-Forwarded-For itself, believing only its TRUSTED_PROXIES.
    proxy_headers = "--no-proxy-headers" if spec.name == "auth" else "--proxy-headers"
    uvicorn = f"uvicorn app:create_app --factory --host 0.0.0.0 --port {spec.port} {proxy_headers}"
    assert uvicorn in command
    if spec.database:
        assert command.index("alembic upgrade head &&") < command.index(uvicorn)
    else:
        assert "alembic" not in command


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_image_requirements_cover_every_third_party_import_of_the_shipped_code(spec: ServiceSpec) -> None:
    # The image installs only <service>/requirements.txt (which includes shared's), while the
    # local virtualenv has everything: an import missing from it fails only inside Docker.
    installed = requirement_closure(spec.path / "requirements.txt")
    imports = runtime_imports(spec.path) | runtime_imports(ROOT / "shared")
    assert "fastapi" in imports  # the scan itself works
    missing = sorted(module for module in imports if not distributions_of(module) & installed)
    assert not missing, f"{spec.directory}/requirements.txt does not install {missing}"
    # What the CMD runs, and the driver SQLAlchemy loads by URL rather than by import.
    assert {"uvicorn", "uvloop", "httptools"} <= installed
    if spec.database:
        assert {"alembic", "asyncpg"} <= installed


def test_dockerignore_keeps_local_state_secrets_and_tests_out_of_images() -> None:
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", ".git", "secrets", ".devstack", ".env", "tests", "**/tests", "**/__pycache__"):
        assert needed in patterns, needed
    assert any("pytest_cache" in p for p in patterns)
    assert any("mypy_cache" in p for p in patterns)
    assert not {"shared", "shared/"} & patterns


# nginx.conf has its own tests: tests/test_nginx_conf.py.


# --- postgres/init.sql ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", STATEFUL, ids=_id)
def test_init_sql_creates_an_owned_isolated_database_per_stateful_service(
    services: dict[str, Any], spec: ServiceSpec
) -> None:
    sql = INIT_SQL.read_text(encoding="utf-8")
    name = spec.database
    secret = f"{spec.name}_db_password"
    variable = re.search(rf"^\\set (\w+) `cat /run/secrets/{secret}`$", sql, re.MULTILINE)
    assert variable, f"{name}: password must come from /run/secrets/{secret}"
    assert f"CREATE ROLE {name} LOGIN PASSWORD :'{variable.group(1)}';" in sql
    assert f"CREATE DATABASE {name} OWNER {name}" in sql
    assert f"REVOKE ALL ON DATABASE {name} FROM PUBLIC;" in sql
    assert secret in services["postgres"]["secrets"]


def test_init_sql_holds_no_literal_password() -> None:
    statements = "\n".join(
        line
        for line in INIT_SQL.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("--")
    )
    assert re.search(r"PASSWORD\s+:'", statements)
    assert not re.search(r"PASSWORD\s+'", statements, re.IGNORECASE)


def _psql() -> Path:
    return embedded_postgres.bin_dir() / "psql"


def _scram_matches(stored: str, password: str) -> bool:
    """Checks a pg_authid SCRAM-SHA-256 verifier against a password (RFC 5802/7677)."""
    method, _, rest = stored.partition("$")
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key, _, _ = keys.partition(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


@pytest.fixture(scope="module")
def scratch_postgres() -> Iterator[str]:
    """A private embedded server: init.sql creates cluster-wide roles, so never a shared one."""
    workdir = tempfile.mkdtemp(prefix="tiketq-initsql-")
    server = embedded_postgres.start(workdir)
    url = server.get_uri()
    # Throwaway data: skip the fsyncs that make the shutdown checkpoint after eight
    # CREATE DATABASEs take seconds.
    _psql_as(url, "ALTER SYSTEM SET fsync = off")
    _psql_as(url, "SELECT pg_reload_conf()")
    try:
        yield url
    finally:
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def _run_init_sql(
    admin_url: str, secrets: dict[str, str], database: str, secret_dir: Path
) -> subprocess.CompletedProcess[str]:
    for name, value in secrets.items():
        (secret_dir / name).write_text(value + "\n", encoding="utf-8")
    script = secret_dir / "init.sql"
    script.write_text(
        INIT_SQL.read_text(encoding="utf-8").replace("/run/secrets/", f"{secret_dir}/"), encoding="utf-8"
    )
    # As the postgres image does: psql with ON_ERROR_STOP, connected to POSTGRES_DB.
    return subprocess.run(
        [
            str(_psql()),
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-d",
            _with(admin_url, database=database),
            "-f",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _with(url: str, *, database: str | None = None, user: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rpartition('@')[2]}"
    path = parts.path if database is None else f"/{database}"
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def _psql_as(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_psql()), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=30,
    )


PASSWORDS = {f"{spec.name}_db_password": f"pw-{spec.name}-{spec.port}-secret" for spec in STATEFUL}
SUPERUSER_DB = "tiketq_db"  # POSTGRES_DB: the image runs init.sql connected to it


@pytest.fixture(scope="module")
def provisioned_postgres(scratch_postgres: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The scratch server after init.sql ran, as the postgres image would run it."""
    created = _psql_as(scratch_postgres, f"CREATE DATABASE {SUPERUSER_DB}")
    assert created.returncode == 0, created.stderr
    result = _run_init_sql(scratch_postgres, PASSWORDS, SUPERUSER_DB, tmp_path_factory.mktemp("secrets"))
    assert result.returncode == 0, result.stderr
    return scratch_postgres


def test_init_sql_runs_in_psql_and_each_role_reaches_only_its_own_database(provisioned_postgres: str) -> None:
    scratch_postgres = provisioned_postgres
    passwords = PASSWORDS
    superuser_db = SUPERUSER_DB
    catalog = _psql_as(
        scratch_postgres,
        "SELECT a.rolname, a.rolpassword, a.rolsuper OR a.rolcreatedb OR a.rolcreaterole, "
        "(SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = a.rolname) "
        "FROM pg_authid a WHERE a.rolname LIKE 'tiketq%'",
    )
    roles = {row.split("|")[0]: row.split("|")[1:] for row in catalog.stdout.splitlines()}
    assert set(roles) == {spec.database for spec in STATEFUL}
    for spec in STATEFUL:
        verifier, privileged, database_owner = roles[str(spec.database)]
        assert _scram_matches(verifier, passwords[f"{spec.name}_db_password"]), spec.database
        assert privileged == "f"
        assert database_owner == spec.database
        own = _psql_as(
            _with(scratch_postgres, user=spec.database, database=spec.database), "SELECT current_user"
        )
        assert own.returncode == 0, own.stderr
        assert own.stdout.strip() == spec.database
        for other in (o for o in STATEFUL if o is not spec):
            foreign = _psql_as(
                _with(scratch_postgres, user=spec.database, database=other.database), "SELECT 1"
            )
            assert foreign.returncode != 0, f"{spec.database} reached {other.database}"
            assert "permission denied" in foreign.stderr
        for admin_db in ("postgres", superuser_db):
            foreign = _psql_as(_with(scratch_postgres, user=spec.database, database=admin_db), "SELECT 1")
            assert foreign.returncode != 0, f"{spec.database} reached {admin_db}"


@pytest.mark.parametrize("spec", STATEFUL, ids=_id)
def test_each_service_migrates_its_database_as_the_role_init_sql_made(
    provisioned_postgres: str, spec: ServiceSpec
) -> None:
    # What the container's CMD does first, with no more privilege than compose gives it: a
    # migration that needs a superuser (an untrusted extension, say) would fail here too.
    url = _with(provisioned_postgres, user=spec.database, database=spec.database)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "PYTHON"))}
    env |= {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=spec.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    owners = _psql_as(
        _with(provisioned_postgres, database=spec.database),
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
    )
    assert owners.stdout.split() == [spec.database], "tables must belong to the service's role"


def test_init_sql_stops_when_a_password_secret_is_missing(scratch_postgres: str, tmp_path: Path) -> None:
    passwords = {f"{spec.name}_db_password": "long-enough-password" for spec in STATEFUL}
    passwords[f"{STATEFUL[-1].name}_db_password"] = ""
    result = _run_init_sql(scratch_postgres, passwords, "postgres", tmp_path)
    assert result.returncode != 0
    assert "missing or shorter" in result.stderr
    roles = _psql_as(scratch_postgres, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tiketq\\_%'")
    assert roles.stdout.strip() in {"0", str(len(STATEFUL))}  # nothing new was created by this run


# --- secrets/README.md ---------------------------------------------------------------------------


def test_secrets_readme_documents_every_secret_file_and_keeps_them_out_of_git(
    compose: dict[str, Any],
) -> None:
    readme = (ROOT / "secrets" / "README.md").read_text(encoding="utf-8")
    for source in compose["secrets"].values():
        if "file" in source:
            assert Path(source["file"]).name in readme, source["file"]
    assert "make dev" in readme
    assert "never committed" in readme.lower()
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "secrets/*" in gitignore
    assert "!secrets/README.md" in gitignore
