"""Every process of the platform, its folder, port and database: the one list that `make dev`,
the end-to-end tests, the gateway's defaults and the docs agree on (docs/architecture.md, the shape)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # short name: "auth"; env var prefix for its URL: AUTH_SERVICE_URL
    directory: str
    port: int
    database: str | None  # None: keeps no state
    # Searched offers live in process memory (a hold looks its offer up there), so a second
    # instance would answer 410 offer-expired for what the first found. Such a service runs one
    # instance unless `shared_offers_env` is set for it (flights, ferries: REDIS_URL, a shared cache).
    offers_in_memory: bool = False
    shared_offers_env: str | None = None

    @property
    def path(self) -> Path:
        return ROOT / self.directory

    @property
    def url_env(self) -> str:
        return f"{self.name.upper()}_SERVICE_URL"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", "auth-service", 8001, "tiketq_auth"),
    ServiceSpec("user", "user-service", 8002, "tiketq_user"),
    ServiceSpec("transaction", "transaction-service", 8003, "tiketq_transaction"),
    ServiceSpec(
        "flights",
        "flights-service",
        8004,
        "tiketq_flights",
        offers_in_memory=True,
        shared_offers_env="REDIS_URL",
    ),
    ServiceSpec(
        "ferries",
        "ferries-service",
        8005,
        "tiketq_ferries",
        offers_in_memory=True,
        shared_offers_env="REDIS_URL",
    ),
    ServiceSpec("hotels", "hotels-service", 8006, "tiketq_hotels", offers_in_memory=True),
    ServiceSpec("ppob", "ppob-service", 8007, "tiketq_ppob"),
    ServiceSpec("payment", "payment-service", 8008, "tiketq_payment"),
    ServiceSpec("notification", "notification-service", 8010, "tiketq_notification"),
)
GATEWAY = ServiceSpec("gateway", "api-gateway", 8000, None)
# The stand-in for the outside world (Midtrans and the suppliers); no service knows it is one.
SANDBOX = ServiceSpec("sandbox", "sandbox", 8009, None)
ALL_PROCESSES: tuple[ServiceSpec, ...] = (SANDBOX, *SERVICES, GATEWAY)

# uvicorn's settings every process runs with, here and in each Dockerfile's ENV (a test checks
# they agree). No route is a WebSocket: without this uvicorn loads a WebSocket library (~1 MiB).
SERVER_ENV: dict[str, str] = {"UVICORN_WS": "none"}


def by_name(name: str) -> ServiceSpec:
    for spec in ALL_PROCESSES:
        if spec.name == name:
            return spec
    raise KeyError(name)
