"""Amadeus's error shape: {"errors": [{status, code, title, detail, source?}]}, and the errors the
sandbox raises (codes as Amadeus documents them)."""

from __future__ import annotations

from typing import Any


class AmadeusError(Exception):
    def __init__(self, status: int, code: int, title: str, detail: str, parameter: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.body: dict[str, Any] = {"status": status, "code": code, "title": title, "detail": detail}
        if parameter:
            self.body["source"] = {"parameter": parameter}


class AmadeusMalformed(Exception):
    pass


def system_error() -> AmadeusError:
    return AmadeusError(
        500, 141, "SYSTEM ERROR HAS OCCURRED", "An internal error occurred, please contact your administrator"
    )


def sold_out(segment: int = 1) -> AmadeusError:
    return AmadeusError(400, 34651, "SEGMENT SELL FAILURE", f"Could not sell segment {segment}")
