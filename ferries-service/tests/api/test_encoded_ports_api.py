"""The port list answers a query string again with the bytes of its first answer, for as long as
the catalogue is the same load (shared/kept_answers.py): exactly the bytes FastAPI writes for the
route's response_model, and never the old ones once the catalogue is reloaded (or cannot be)."""

from __future__ import annotations

from app import create_app
from domain.models import Port
from routes.schemas import PortOut
from testkit.asgi import as_fastapi_writes, running_app
from tests.conftest import make_settings
from tests.fakes import PORTS, FakeClock, FakeOperator


class ChangingOperator(FakeOperator):
    """Publishes whatever ports the test sets."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.published: list[Port] = list(PORTS)

    async def ports(self) -> list[Port]:
        await super().ports()
        return list(self.published)


QUERIES: list[dict[str, str | int]] = [
    {},
    {"q": ""},
    {"q": " "},
    {"q": "merak"},
    {"q": "MERAK "},
    {"q": "me"},
    {"q": "glm"},
    {"q": "a", "limit": 2},
    {"q": "nowhere"},
]


async def test_port_answers_are_the_bytes_fastapi_would_write_and_follow_the_catalogue(
    migrated_database_url: str,
) -> None:
    clock = FakeClock()
    operator = ChangingOperator(clock)
    app = create_app(make_settings(migrated_database_url), operator=operator, clock=clock)
    async with running_app(app) as client:

        async def check(published: list[Port]) -> None:
            for params in [*QUERIES, *QUERIES]:  # the second time from the encoded answers
                response = await client.get("/ferries/ports", params=params)
                q, limit = params.get("q"), int(params.get("limit", 50))
                expected = await as_fastapi_writes(
                    list[PortOut], [PortOut.of(p) for p in await app.state.catalogue.ports(q, limit)]
                )
                assert response.status_code == expected.status_code == 200
                assert response.content == expected.content, params
                assert response.headers["content-type"] == expected.headers["content-type"]
            assert {p["code"] for p in (await client.get("/ferries/ports")).json()} == {
                p.code for p in published
            }

        await check(operator.published)
        assert operator.calls.count("ports") == 1
        # A new season: the catalogue is reloaded after its hour, and so are the answers.
        operator.published = [p for p in PORTS if p.code != "MRK"]
        clock.advance(hours=1, seconds=1)
        await check(operator.published)
        assert (await client.get("/ferries/ports", params={"q": "merak"})).json() == []
        # Due for a reload and the operator down: the error, not the answers of the last load.
        clock.advance(hours=1, seconds=1)
        operator.down = True
        down = await client.get("/ferries/ports", params={"q": "me"})
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        too_long = await client.get("/ferries/ports", params={"q": "x" * 65})
        assert too_long.status_code == 422
