"""The destinations autocomplete answers a query string again with the bytes of its first answer,
for as long as the destinations list is the same (shared/kept_answers.py): exactly the bytes FastAPI
writes for the route's response_model, and never the old ones once the list is fetched again (or
cannot be)."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.cache import MemorySearchCache
from app import create_app
from domain.models import Destination
from routes.schemas import DestinationOut
from testkit.asgi import as_fastapi_writes, running_app
from tests.conftest import make_settings
from tests.fakes import DESTINATIONS, FakeHotelSupplier, MovableClock


@dataclass
class ChangingSupplier(FakeHotelSupplier):
    """Lists whatever destinations the test sets."""

    published: list[Destination] = field(default_factory=lambda: list(DESTINATIONS))

    async def destinations(self) -> list[Destination]:
        await super().destinations()
        return list(self.published)


QUERIES: list[dict[str, str | int]] = [
    {},
    {"q": ""},
    {"q": "  "},
    {"q": "ba"},
    {"q": "BA "},
    {"q": "ub"},
    {"q": "dps-4"},
    {"q": "a", "limit": 2},
    {"q": "nowhere"},
]


async def test_destination_answers_are_the_bytes_fastapi_would_write_and_follow_the_list(
    migrated_database_url: str,
) -> None:
    now = [0.0]
    supplier = ChangingSupplier()
    cache = MemorySearchCache(monotonic=lambda: now[0])
    settings = make_settings(migrated_database_url)
    app = create_app(settings, supplier=supplier, cache=cache, clock=MovableClock())
    async with running_app(app) as client:

        async def check(published: list[Destination]) -> None:
            for params in [*QUERIES, *QUERIES]:  # the second time from the encoded answers
                response = await client.get("/hotels/destinations", params=params)
                q, limit = str(params.get("q", "")), int(params.get("limit", 20))
                expected = await as_fastapi_writes(
                    list[DestinationOut],
                    [DestinationOut.of(d) for d in await app.state.hotel_search.destinations(q, limit)],
                )
                assert response.status_code == expected.status_code == 200
                assert response.content == expected.content, params
                assert response.headers["content-type"] == expected.headers["content-type"]
            codes = {d["code"] for d in (await client.get("/hotels/destinations")).json()}
            assert codes == {d.code for d in published}

        await check(supplier.published)
        assert supplier.calls.count("destinations") == 1
        # The list is read again after its hour, and so are the answers.
        supplier.published = [*DESTINATIONS, Destination("LOP", "Lombok", "ID")]
        now[0] = 3601.0
        await check(supplier.published)
        lombok = await client.get("/hotels/destinations", params={"q": "lom"})
        assert [d["code"] for d in lombok.json()] == ["LOP"]
        # Due to be read again and the supplier down: the error, not the answers of the last list.
        now[0] = 7202.0
        supplier.down = True
        down = await client.get("/hotels/destinations", params={"q": "ba"})
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        too_long = await client.get("/hotels/destinations", params={"q": "x" * 65})
        assert too_long.status_code == 422
