"""The Kubernetes manifests (deploy/k8s) are valid Kubernetes and agree with the apps.

No cluster is needed: every object is checked against the Kubernetes JSON schemas in strict mode
(kubernetes-validate bundles them), then against the code — the catalogue's processes and ports,
the probe paths every app serves, the settings each service requires (its own Settings.from_env()
must accept what the manifests hand it), the calls each service makes (its NetworkPolicy must
allow them) — and against docs/deploy.md, which lists every Secret key the manifests mount.

    cd /work/main && .venv/bin/pytest tests/test_k8s_manifests.py -q -p no:cacheprovider
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from the repository root without the suite's pytest.ini
    sys.path.insert(0, str(ROOT))

from devstack.catalog import GATEWAY, SERVICES, ServiceSpec, by_name  # noqa: E402
from devstack.stack import PRODUCT_SERVICES  # noqa: E402
from testkit.postgres import PostgresServer  # noqa: E402
from tests.deploy_helpers import dockerfile_instructions, load_settings, required_settings  # noqa: E402

K8S = ROOT / "deploy" / "k8s"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
PROCESSES = (GATEWAY, *SERVICES)
STATEFUL = tuple(spec for spec in SERVICES if spec.database)
# The oldest Kubernetes release the manifests promise to work on (autoscaling/v2, policy/v1 and
# Pod Security labels are all there).
KUBERNETES_VERSION = "1.29"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"

Manifest = dict[str, Any]


def _id(spec: ServiceSpec) -> str:
    return spec.directory


def _kustomization() -> Manifest:
    data = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _documents() -> list[tuple[str, Manifest]]:
    found: list[tuple[str, Manifest]] = []
    for resource in _kustomization()["resources"]:
        text = (K8S / resource).read_text(encoding="utf-8")
        found += [(resource, doc) for doc in yaml.safe_load_all(text) if doc]
    return found


DOCUMENTS = _documents()


def _objects(kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == kind}


def _deployment(spec: ServiceSpec) -> Manifest:
    deployments = _objects("Deployment")
    assert spec.directory in deployments, f"no Deployment for {spec.directory}"
    found: Manifest = deployments[spec.directory]
    return found


def _pod(workload: Manifest) -> Manifest:
    pod: Manifest = workload["spec"]["template"]["spec"]
    return pod


def _containers(workload: Manifest) -> list[Manifest]:
    pod = _pod(workload)
    return [*pod.get("initContainers", []), *pod["containers"]]


def _server(spec: ServiceSpec) -> Manifest:
    servers: list[Manifest] = [c for c in _pod(_deployment(spec))["containers"] if c["name"] == "server"]
    assert len(servers) == 1, spec.directory
    return servers[0]


def _environment(container: Manifest) -> dict[str, str]:
    """What the container's process sees: its ConfigMaps in envFrom order, then `env` on top."""
    config_maps = _objects("ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"{container['name']}: only ConfigMaps feed envFrom"
        env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        assert "value" in item, f"{item['name']}: secrets reach a pod as files, never as variables"
        env[item["name"]] = item["value"]
    return env


def _mounted_secret_files(workload: Manifest, container: Manifest) -> dict[str, tuple[str, str]]:
    """Path in the container -> (Secret name, key) for every Secret item the container mounts."""
    volumes = {volume["name"]: volume for volume in _pod(workload).get("volumes", [])}
    files: dict[str, tuple[str, str]] = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        sources = [source["secret"] for source in volume.get("projected", {}).get("sources", [])]
        if "secret" in volume:
            sources.append(volume["secret"])
        for source in sources:
            for item in source["items"]:
                files[f"{mount['mountPath']}/{item['path']}"] = (source["name"], item["key"])
    return files


def _workloads() -> list[Manifest]:
    return [*_objects("Deployment").values(), *_objects("Job").values()]


# --- schema ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    DOCUMENTS,
    ids=[f"{resource}:{doc['kind']}/{doc['metadata']['name']}" for resource, doc in DOCUMENTS],
)
def test_every_manifest_validates_against_the_kubernetes_schemas_in_strict_mode(
    document: tuple[str, Manifest],
) -> None:
    _, manifest = document
    # strict: a misspelt or misplaced field is an error, not silently ignored as kubectl would.
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_strict_validation_refuses_a_misspelt_field() -> None:
    # The validator is not a rubber stamp: the same Deployment with one field misspelt fails.
    broken = copy.deepcopy(_deployment(GATEWAY))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest_and_pins_every_image() -> None:
    kustomization = _kustomization()
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == "tiketq"
    images = {image["name"]: image for image in kustomization["images"]}
    used = {container["image"] for workload in _workloads() for container in _containers(workload)}
    assert used == set(images)
    assert all(image.get("newTag") not in (None, "", "latest") for image in images.values())
    for _, manifest in DOCUMENTS:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == "tiketq", manifest["metadata"]["name"]


def test_no_secret_value_is_committed() -> None:
    assert not _objects("Secret"), "Secrets are created in the cluster (docs/deploy.md), never committed"
    secret_like = re.compile(r"PASSWORD|TOKEN|SECRET|API_KEY|PRIVATE_KEY|HASH_KEY|_KEYS$|DATABASE_URL$")
    for name, config_map in _objects("ConfigMap").items():
        for key, value in config_map["data"].items():
            if secret_like.search(key):
                assert key.endswith("_FILE"), f"{name}: {key}"
                assert value.startswith("/run/secrets/"), f"{name}: {key}"
            assert "@" not in urlsplit(value).netloc, f"{name}: {key} carries credentials"


# --- the catalogue, ports and probes ----------------------------------------------------------------


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_process_has_a_deployment_a_service_an_account_and_a_disruption_budget(
    spec: ServiceSpec,
) -> None:
    deployment = _deployment(spec)
    assert spec.directory in _objects("Service")
    account = _objects("ServiceAccount")[spec.directory]
    assert account["automountServiceAccountToken"] is False
    pod = _pod(deployment)
    assert pod["serviceAccountName"] == spec.directory
    assert pod["automountServiceAccountToken"] is False
    budgets = [
        pdb
        for pdb in _objects("PodDisruptionBudget").values()
        if pdb["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert len(budgets) == 1, spec.directory


def test_the_sandbox_is_not_deployed() -> None:
    # A stand-in for the providers: production talks to the real ones (the *_BASE_URL settings).
    assert "sandbox" not in _objects("Deployment")
    for workload in _workloads():
        for value in _environment(_containers(workload)[-1]).values():
            assert "sandbox" not in value, value


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_each_service_selects_exactly_its_own_server_pods(spec: ServiceSpec) -> None:
    service = _objects("Service")[spec.directory]
    selector = service["spec"]["selector"]
    assert selector == _deployment(spec)["spec"]["selector"]["matchLabels"]
    for workload in _workloads():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        selected = selector.items() <= labels.items()
        # A migration Job's pod shares the service's name label but must never receive traffic.
        assert selected == (workload is _deployment(spec)), workload["metadata"]["name"]


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_ports_are_the_catalogue_ports_and_the_images_ports(spec: ServiceSpec) -> None:
    server = _server(spec)
    (port,) = server["ports"]
    assert port["containerPort"] == spec.port
    command = server["command"]
    assert command[command.index("--port") + 1] == str(spec.port)
    exposed = [i.args for i in dockerfile_instructions(spec.path / "Dockerfile") if i.keyword == "EXPOSE"]
    assert exposed == [str(spec.port)]
    (service_port,) = _objects("Service")[spec.directory]["spec"]["ports"]
    assert service_port["port"] == spec.port
    assert service_port["targetPort"] == port["name"]


# Builds the app every service is made from and asks its probe paths, in a process of its own
# (the factory configures logging, which must not leak into this suite).
_ASK_PROBES = r"""
from fastapi.testclient import TestClient
from shared.service_app import create_service_app
from shared.settings import RuntimeSettings

runtime = RuntimeSettings()
app = create_service_app(name="probe-check", title="t", version="0", description="d", runtime=runtime)
with TestClient(app) as client:
    print(client.get("/healthz").status_code, client.get("/readyz").status_code)
"""


def test_the_probe_paths_answer_in_the_app_every_service_is_built_from() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _ASK_PROBES],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["200", "200"]


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_app_is_built_by_the_shared_factory_that_serves_the_probes(spec: ServiceSpec) -> None:
    app_py = (spec.path / "app.py").read_text(encoding="utf-8")
    assert re.search(r"\bcreate_(database_)?service_app\(", app_py), spec.directory


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_probes_ask_readyz_for_traffic_and_healthz_for_life(spec: ServiceSpec) -> None:
    server = _server(spec)
    assert server["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert server["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert server["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The startup probe covers a slow start so liveness never kills a pod that is still booting.
    startup = server["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30


# --- hardening --------------------------------------------------------------------------------------


def _image_uid(spec: ServiceSpec) -> int:
    for instruction in dockerfile_instructions(spec.path / "Dockerfile"):
        match = re.search(r"useradd .*--uid (\d+)", instruction.args)
        if instruction.keyword == "RUN" and match:
            return int(match.group(1))
    raise AssertionError(f"{spec.directory}: its Dockerfile makes no user")


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_pod_runs_unprivileged_on_a_read_only_root_with_a_writable_tmp(spec: ServiceSpec) -> None:
    workloads = [
        _deployment(spec),
        *(j for j in _objects("Job").values() if j["metadata"]["name"].startswith(spec.directory)),
    ]
    for workload in workloads:
        pod = _pod(workload)
        # The image's user by number: runAsNonRoot cannot check a user given by name.
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == _image_uid(spec)
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in _containers(workload):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["allowPrivilegeEscalation"] is False, container["name"]
            assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert len(tmp) == 1, container["name"]
            assert "emptyDir" in volumes[tmp[0]["name"]], container["name"]
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), container["name"]
            assert {"cpu", "memory"} <= set(resources["limits"]), container["name"]


# --- migrations before the rollout ------------------------------------------------------------------


@pytest.mark.parametrize("spec", STATEFUL, ids=_id)
def test_a_migration_job_upgrades_the_database_and_the_pods_wait_for_it(spec: ServiceSpec) -> None:
    job = _objects("Job")[f"{spec.directory}-migrate"]
    (migrate,) = _pod(job)["containers"]
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert _pod(job)["restartPolicy"] == "Never"
    deployment = _deployment(spec)
    server = _server(spec)
    assert migrate["image"] == server["image"]
    # The Job sees what the server sees (a migration may read more than DATABASE_URL: user-service's
    # encrypts identity numbers with PERSONAL_DATA_KEYS).
    assert _environment(migrate) == _environment(server)
    assert _mounted_secret_files(job, migrate) == _mounted_secret_files(deployment, server)
    (wait,) = _pod(deployment)["initContainers"]
    assert wait["image"] == server["image"]
    assert "alembic current --check-heads" in " ".join(wait["command"])
    # The server itself never migrates: replicas racing through one Alembic history would collide.
    assert "alembic" not in " ".join(server["command"])
    assert server["command"][0] == "uvicorn"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


def _as_in_the_pod(container: Manifest, database_url: str, secret_dir: Path) -> dict[str, str]:
    """The container's environment with its database URL file made real, the rest as the image has
    it: the service's folder is the working directory and the repository root is on PYTHONPATH."""
    env = {key: value for key, value in _environment(container).items() if not key.endswith("_FILE")}
    url_file = secret_dir / "database_url"
    url_file.write_text(database_url, encoding="utf-8")
    env["DATABASE_URL_FILE"] = str(url_file)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_new_pods_wait_until_the_migration_job_has_upgraded_their_database(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    # The real commands of the manifests, in order, against a real empty database: the pods'
    # init container keeps waiting, the Job migrates, then the init container lets the server go.
    spec = by_name("auth")
    (wait,) = _pod(_deployment(spec))["initContainers"]
    (migrate,) = _pod(_objects("Job")[f"{spec.directory}-migrate"])["containers"]
    url = asyncio.run(postgres.create_database("k8s_migrate"))
    try:
        env = _as_in_the_pod(wait, url, tmp_path)
        waiting = subprocess.Popen(
            wait["command"],
            cwd=spec.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so the loop and its alembic stop together
        )
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                waiting.wait(timeout=6)
        finally:
            os.killpg(waiting.pid, signal.SIGKILL)
            output, _ = waiting.communicate()
        assert "waiting for the migration Job" in output

        job = subprocess.run(
            migrate["command"], cwd=spec.path, env=env, capture_output=True, text=True, timeout=120
        )
        assert job.returncode == 0, job.stderr[-3000:]

        ready = subprocess.run(
            wait["command"], cwd=spec.path, env=env, capture_output=True, text=True, timeout=60
        )
        assert ready.returncode == 0, ready.stdout[-3000:]
    finally:
        asyncio.run(postgres.drop_database(url))


def test_every_stateful_service_waits_with_the_same_command() -> None:
    commands = {json.dumps(_pod(_deployment(spec))["initContainers"][0]["command"]) for spec in STATEFUL}
    assert len(commands) == 1


def test_the_gateway_has_no_database_to_migrate() -> None:
    assert not _pod(_deployment(GATEWAY)).get("initContainers")
    assert not [job for job in _objects("Job") if job.startswith(GATEWAY.directory)]


# --- settings and secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_setting_a_service_requires_is_set(spec: ServiceSpec) -> None:
    found = required_settings(spec.path)
    assert "RuntimeSettings" in found["groups"], found  # the discovery itself works
    env = set(_environment(_server(spec)))
    for alternatives in found["required"]:
        accepted = set(alternatives) | {f"{name}_FILE" for name in alternatives}
        assert env & accepted, f"{spec.directory} requires one of {sorted(accepted)}; the manifests set none"


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_file_variable_names_a_secret_file_the_container_mounts(spec: ServiceSpec) -> None:
    deployment = _deployment(spec)
    for container in _containers(deployment):
        mounted = _mounted_secret_files(deployment, container)
        for key, value in _environment(container).items():
            if key.endswith("_FILE"):
                assert value in mounted, f"{spec.directory}/{container['name']}: {key}={value} is not mounted"


def _stand_in(path: str, spec: ServiceSpec, dev_secrets: dict[str, Path]) -> str:
    """A value of the right shape for a secret file: the one `make dev` makes where there is one."""
    name = Path(path).name
    if name in dev_secrets:
        return dev_secrets[name].read_text(encoding="utf-8")
    password = secrets.token_urlsafe(24)
    if name == "database_url":
        return f"postgresql://{spec.database}:{password}@db.internal:5432/{spec.database}"
    if name == "redis_url":
        return f"rediss://:{password}@redis.internal:6380/0"
    if name == "rabbitmq_url":
        return f"amqps://tiketq:{password}@rabbitmq.internal:5671/tiketq"
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def dev_secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from devstack.secrets import ensure_dev_secrets

    directory = tmp_path_factory.mktemp("dev-secrets")
    ensure_dev_secrets(directory)
    return {path.name.rsplit(".", 1)[0]: path for path in directory.iterdir()}


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_each_service_accepts_the_configuration_the_manifests_hand_it(
    spec: ServiceSpec, dev_secrets: dict[str, Path], tmp_path: Path
) -> None:
    # ENVIRONMENT=production: the service's own Settings.from_env() refuses sandbox credentials,
    # placeholders and missing secrets, so this passes only when the manifests give it everything.
    env = _environment(_server(spec))
    assert env["ENVIRONMENT"] == "production"
    for key, value in list(env.items()):
        if key.endswith("_FILE"):
            stand_in = tmp_path / Path(value).name
            stand_in.write_text(_stand_in(value, spec, dev_secrets), encoding="utf-8")
            env[key] = str(stand_in)
    result = load_settings(spec.path, env)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_secret_key_the_manifests_mount_is_listed_in_docs_deploy() -> None:
    rows = [line for line in DEPLOY_DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    referenced: set[tuple[str, str]] = set()
    for workload in _workloads():
        for container in _containers(workload):
            referenced |= set(_mounted_secret_files(workload, container).values())
    for ingress in _objects("Ingress").values():
        referenced |= {(tls["secretName"], "tls.crt") for tls in ingress["spec"]["tls"]}
    assert referenced
    for secret, key in sorted(referenced):
        assert any(f"`{secret}`" in row and f"`{key}`" in row for row in rows), (
            f"docs/deploy.md lists no `{secret}` / `{key}` row"
        )


def test_transaction_service_knows_every_product_service_by_its_kubernetes_name() -> None:
    env = _environment(_server(by_name("transaction")))
    products = json.loads(env["PRODUCT_SERVICES"])
    expected = {
        kind: f"http://{by_name(name).directory}:{by_name(name).port}"
        for kind, name in PRODUCT_SERVICES.items()
    }
    assert products == expected


# --- autoscaling ------------------------------------------------------------------------------------

SCALED_BY_LOAD = ("gateway", "flights", "ferries")


@pytest.mark.parametrize("name", SCALED_BY_LOAD)
def test_the_gateway_and_the_search_services_scale_on_cpu(name: str) -> None:
    spec = by_name(name)
    deployment = _deployment(spec)
    (hpa,) = [
        h
        for h in _objects("HorizontalPodAutoscaler").values()
        if h["spec"]["scaleTargetRef"]["name"] == spec.directory
    ]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    # A fixed count in the Deployment would fight the autoscaler on every apply.
    assert "replicas" not in deployment["spec"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    # Utilisation is measured against requests: without a CPU request the HPA cannot act.
    assert "cpu" in _server(spec)["resources"]["requests"]


def test_scaled_search_services_share_their_offers_through_redis() -> None:
    # An offer found on one pod must be orderable through another.
    for name in SCALED_BY_LOAD[1:]:
        assert "REDIS_URL_FILE" in _environment(_server(by_name(name)))


# --- network policy ---------------------------------------------------------------------------------


def _selects(selector: Manifest, labels: dict[str, str]) -> bool:
    matched: bool = selector.get("matchLabels", {}).items() <= labels.items()
    return matched


def _pod_labels(spec: ServiceSpec) -> dict[str, str]:
    labels: dict[str, str] = _deployment(spec)["spec"]["template"]["metadata"]["labels"]
    return labels


def _policies_for(labels: dict[str, str]) -> list[Manifest]:
    return [p for p in _objects("NetworkPolicy").values() if _selects(p["spec"]["podSelector"], labels)]


def _allows(rules: list[Manifest], peer_key: str, peer_labels: dict[str, str], port: int) -> bool:
    for rule in rules:
        ports = [p["port"] for p in rule.get("ports", [])]
        peers = [p for p in rule.get(peer_key, []) if "podSelector" in p and "namespaceSelector" not in p]
        if port in ports and any(_selects(p["podSelector"], peer_labels) for p in peers):
            return True
    return False


def _internal_calls(spec: ServiceSpec) -> set[ServiceSpec]:
    """The platform services this one calls: the URLs among the settings its code reads."""
    reads = {name for names in required_settings(spec.path)["all"] for name in names}
    env = _environment(_server(spec))
    urls = [value for key, value in env.items() if key in reads and key.endswith("_URL")]
    if "PRODUCT_SERVICES" in reads:
        urls += json.loads(env["PRODUCT_SERVICES"]).values()
    hosts = {urlsplit(url).hostname for url in urls}
    return {other for other in PROCESSES if other.directory in hosts and other is not spec}


def test_everything_is_denied_unless_allowed() -> None:
    deny = _objects("NetworkPolicy")["default-deny"]
    assert deny["spec"]["podSelector"] == {}
    assert sorted(deny["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny["spec"]
    assert "egress" not in deny["spec"]
    for workload in _workloads():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        own = [p for p in _policies_for(labels) if p["spec"]["podSelector"]]
        assert own, f"{workload['metadata']['name']} has no policy of its own"


def test_only_the_ingress_controller_reaches_the_gateway() -> None:
    (policy,) = [p for p in _policies_for(_pod_labels(GATEWAY)) if p["spec"]["podSelector"]]
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
    assert [p["port"] for p in rule["ports"]] == [GATEWAY.port]


@pytest.mark.parametrize("spec", PROCESSES, ids=_id)
def test_every_call_a_service_makes_is_allowed_at_both_ends(spec: ServiceSpec) -> None:
    calls = _internal_calls(spec)
    if spec is GATEWAY:
        assert calls == set(SERVICES)  # the gateway forwards to every service
    for target in calls:
        egress = [r for p in _policies_for(_pod_labels(spec)) for r in p["spec"].get("egress", [])]
        ingress = [r for p in _policies_for(_pod_labels(target)) for r in p["spec"].get("ingress", [])]
        assert _allows(egress, "to", _pod_labels(target), target.port), (
            f"{spec.directory} -> {target.directory}"
        )
        assert _allows(ingress, "from", _pod_labels(spec), target.port), (
            f"{spec.directory} -> {target.directory}"
        )


@pytest.mark.parametrize("spec", STATEFUL, ids=_id)
def test_stateful_pods_and_their_migrations_reach_postgres(spec: ServiceSpec) -> None:
    job = _objects("Job")[f"{spec.directory}-migrate"]
    for labels in (_pod_labels(spec), job["spec"]["template"]["metadata"]["labels"]):
        egress = [r for p in _policies_for(labels) for r in p["spec"].get("egress", [])]
        assert any(5432 in [port["port"] for port in rule["ports"]] for rule in egress), spec.directory


def test_migration_pods_take_no_traffic() -> None:
    for job in _objects("Job").values():
        labels = job["spec"]["template"]["metadata"]["labels"]
        policies = [p for p in _policies_for(labels) if p["spec"]["podSelector"]]
        assert all(p["spec"]["ingress"] == [] for p in policies), job["metadata"]["name"]


def test_every_pod_may_resolve_names() -> None:
    dns = _objects("NetworkPolicy")["allow-dns"]
    assert dns["spec"]["podSelector"] == {}
    (rule,) = dns["spec"]["egress"]
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}


# --- ingress ----------------------------------------------------------------------------------------


def _gateway_routes() -> set[str]:
    path = ROOT / "api-gateway" / "domain" / "routing.py"
    spec = importlib.util.spec_from_file_location("tiketq_gateway_routing", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return {route.prefix for route in module.TIKETQ_ROUTES}


def test_the_ingress_publishes_only_the_public_prefixes_over_tls() -> None:
    ingresses = list(_objects("Ingress").values())
    assert ingresses
    prefixes: set[str] = set()
    for ingress in ingresses:
        assert ingress["spec"]["ingressClassName"] == "nginx"
        (rule,) = ingress["spec"]["rules"]
        (tls,) = ingress["spec"]["tls"]
        assert rule["host"] in tls["hosts"]
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        # The edge refuses what a service would: MAX_BODY_BYTES is 1 MiB.
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"
        for path in rule["http"]["paths"]:
            assert path["backend"] == {
                "service": {"name": GATEWAY.directory, "port": {"number": GATEWAY.port}}
            }
            if path["pathType"] == "Prefix":
                prefixes.add(path["path"])
            else:
                assert path["pathType"] == "Exact"
                if path["path"] == "/openapi.json":
                    prefixes.add(path["path"])
                else:  # an exact path only narrows a public prefix (its own limits), never adds one
                    assert any(path["path"].startswith(p + "/") for p in _gateway_routes()), path["path"]
    assert prefixes == _gateway_routes() | {"/docs", "/redoc", "/openapi.json"}
    # Service-to-service routes, metrics and the catch-all stay off the internet.
    assert not prefixes & {"/", "/metrics", "/webhooks", "/webhooks/payment", "/readyz"}
    assert not any("internal" in path for path in prefixes)


def test_sign_in_and_sign_up_get_their_own_tight_rate_limit() -> None:
    limited = {
        path["path"]: ingress["metadata"]["annotations"]
        for ingress in _objects("Ingress").values()
        for path in ingress["spec"]["rules"][0]["http"]["paths"]
        if path["pathType"] == "Exact" and path["path"].startswith("/auth/")
    }
    assert set(limited) == {"/auth/login", "/auth/register"}
    for limits in limited.values():
        assert int(limits["nginx.ingress.kubernetes.io/limit-rpm"]) <= 10


def test_the_platform_body_limit_is_one_mebibyte() -> None:
    env = _objects("ConfigMap")["tiketq-platform"]["data"]
    assert int(env["MAX_BODY_BYTES"]) == 1024 * 1024
