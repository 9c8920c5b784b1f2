"""ppob-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import DatabaseSettings, RuntimeSettings


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    database: DatabaseSettings

    @classmethod
    def from_env(cls) -> Settings:
        return cls(runtime=RuntimeSettings(), database=DatabaseSettings())  # type: ignore[call-arg]
