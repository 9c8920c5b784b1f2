from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import InternalSettings, to_asyncpg_url


def test_a_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "internal_token.txt"
    secret.write_text("t" * 40 + "\n")
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("INTERNAL_TOKEN_FILE", str(secret))
    assert InternalSettings().token.get_secret_value() == "t" * 40  # type: ignore[call-arg]


def test_short_internal_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERNAL_TOKEN", "short")
    with pytest.raises(ValueError, match="at least 32"):
        InternalSettings()  # type: ignore[call-arg]


def test_database_urls_are_forced_to_asyncpg() -> None:
    assert to_asyncpg_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert to_asyncpg_url("postgresql://u@/db?host=/tmp") == "postgresql+asyncpg://u@/db?host=/tmp"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        to_asyncpg_url("mysql://u@h/db")
