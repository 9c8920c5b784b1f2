"""Sandbox settings: the credentials it accepts, its seed, hold TTL and the starting knobs.

Every value comes from a `SANDBOX_*` environment variable (FLIGHTS.md); nothing is read at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import RuntimeSettings, SettingsBase


class SandboxSettings(SettingsBase):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore", case_sensitive=False)

    seed: int = 42
    amadeus_client_id: str = "sandbox-amadeus-client"
    amadeus_client_secret: str = "sandbox-amadeus-secret"  # noqa: S105 - the documented sandbox default
    duffel_access_token: str = "duffel_test_sandbox"  # noqa: S105 - the documented sandbox default
    hold_ttl_seconds: float = Field(default=1200.0, gt=0)
    # Duffel offers live about half an hour before `GET /air/offers/{id}` says they are gone.
    offer_ttl_seconds: float = Field(default=1800.0, gt=0)
    # How far ahead airlines sell (Amadeus: about 330 days).
    sales_horizon_days: int = Field(default=330, ge=1)
    # How long a "timeout" knob hit sleeps; any client with a sane timeout gives up first.
    timeout_sleep_seconds: float = Field(default=35.0, gt=0)


class KnobSettings(SettingsBase):
    """One supplier's starting knobs; the prefix picks the supplier (SANDBOX_AMADEUS_, SANDBOX_DUFFEL_)."""

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    malformed_rate: float = Field(default=0.0, ge=0, le=1)
    price_change_pct: float = Field(default=0.0, ge=-90, le=500)
    hold_failure_rate: float = Field(default=0.0, ge=0, le=1)


class AmadeusKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_AMADEUS_", extra="ignore", case_sensitive=False)


class DuffelKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_DUFFEL_", extra="ignore", case_sensitive=False)


class FerryKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_FERRY_", extra="ignore", case_sensitive=False)


class FerrySettings(SettingsBase):
    """The ferry operator: the client credentials it accepts, hold and quote lifetimes, and its
    sales window (SANDBOX_FERRY_*)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_FERRY_", extra="ignore", case_sensitive=False)

    client_id: str = "sandbox-ferry-client"
    client_secret: str = "sandbox-ferry-secret"  # noqa: S105 - the documented sandbox default
    hold_ttl_seconds: float = Field(default=1800.0, gt=0)
    quote_ttl_seconds: float = Field(default=900.0, gt=0)
    sales_window_days: int = Field(default=60, ge=1)
    sales_close_minutes: int = Field(default=60, ge=0)


class HotelbedsKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_HOTELBEDS_", extra="ignore", case_sensitive=False)


class HotelbedsSettings(SettingsBase):
    """The Hotelbeds stand-in: the only Api-key and secret it accepts, and how long the hotelier of an
    on-request booking takes to confirm it (SANDBOX_HOTELBEDS_*)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_HOTELBEDS_", extra="ignore", case_sensitive=False)

    api_key: str = "sandbox-hotelbeds-key"
    secret: SecretStr = SecretStr("sandbox-hotelbeds-secret")
    on_request_seconds: float = Field(default=30.0, ge=0)


class MidtransSettings(SettingsBase):
    """The Midtrans stand-in: the keys it accepts, where notifications go, the retry schedule, and
    the starting values of its knobs (SANDBOX_MIDTRANS_*; the server key may come from *_FILE)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_MIDTRANS_", extra="ignore", case_sensitive=False)

    server_key: str = "SB-Mid-server-sandbox-change-me"
    client_key: str = "SB-Mid-client-sandbox"
    merchant_id: str = "G000000000"
    # None: no notifications unless a charge carried X-Override-Notification / X-Append-Notification.
    notification_url: str | None = None
    # Midtrans retries over minutes to hours; compressed here so local work is quick.
    retry_schedule_seconds: str = "1,2,5,10,30"
    notification_timeout_seconds: float = Field(default=15.0, gt=0)
    # Starting knobs (PUT /sandbox/knobs/midtrans changes them; POST /sandbox/reset restores these).
    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    duplicate_notifications: int = Field(default=0, ge=0, le=100)
    shuffle_notifications: bool = False
    notification_delay_ms: int = Field(default=0, ge=0)
    errors_in_http_200: bool = False

    @field_validator("notification_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        return parse_retry_schedule(self.retry_schedule_seconds)

    @model_validator(mode="after")
    def _schedule_parses(self) -> MidtransSettings:
        parse_retry_schedule(self.retry_schedule_seconds)
        return self


class DigiflazzSettings(SettingsBase):
    """The Digiflazz stand-in: the buyer credentials it accepts, the webhook (URL and secret), the
    agent's starting deposit, how long pending purchases wait for their callback and the price
    list's rate limit (SANDBOX_DIGIFLAZZ_*)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_DIGIFLAZZ_", extra="ignore", case_sensitive=False)

    username: str = "tiketqsandbox"
    api_key: str = "dev-sandbox-digiflazz-key"
    webhook_secret: str = "digiflazz-sandbox-webhook-secret"  # noqa: S105 - the documented sandbox default
    # The dashboard's webhook URL; a transaction's own `cb_url` wins. None: no callbacks.
    callback_url: str | None = None
    deposit: int = Field(default=10_000_000, ge=0)
    callback_delay_seconds: float = Field(default=1.0, ge=0)
    price_list_interval_seconds: float = Field(default=300.0, ge=0)

    @field_validator("callback_url")
    @classmethod
    def _blank_callback_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class XenditSettings(SettingsBase):
    """The Xendit stand-in: the secret API key it accepts, the callback verification token it sends
    (x-callback-token), where invoice and refund callbacks go, their retry schedule, how long a
    refund takes to succeed, and the starting values of its knobs (SANDBOX_XENDIT_*; the key and
    the token may come from *_FILE)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_XENDIT_", extra="ignore", case_sensitive=False)

    secret_key: str = "xnd_development_sandbox-change-me"  # noqa: S105 - the sandbox default
    callback_token: str = "sandbox-xendit-callback-token-change-me"  # noqa: S105 - the sandbox default
    business_id: str = "5f0e0b2c8d3e4a0012345678"
    # The dashboard's callback URLs; None: no callbacks.
    callback_url: str | None = None
    refund_callback_url: str | None = None
    # Xendit retries a callback that is not answered 2xx; compressed here so local work is quick.
    retry_schedule_seconds: str = "1,2,5,10,30"
    callback_timeout_seconds: float = Field(default=15.0, gt=0)
    refund_seconds: float = Field(default=1.0, ge=0)
    # Starting knobs (PUT /sandbox/knobs/xendit changes them; POST /sandbox/reset restores these).
    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    duplicate_callbacks: int = Field(default=0, ge=0, le=100)
    callback_delay_ms: int = Field(default=0, ge=0)
    fail_refunds: bool = False

    @field_validator("callback_url", "refund_callback_url")
    @classmethod
    def _blank_url_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        return parse_retry_schedule(self.retry_schedule_seconds)

    @model_validator(mode="after")
    def _xendit_schedule_parses(self) -> XenditSettings:
        parse_retry_schedule(self.retry_schedule_seconds)
        return self


class DigiflazzKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_DIGIFLAZZ_", extra="ignore", case_sensitive=False)


def parse_retry_schedule(text: str) -> tuple[float, ...]:
    """`"1,2,5,10,30"` → (1.0, 2.0, 5.0, 10.0, 30.0); an empty string means no retries."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        schedule = tuple(float(part) for part in parts)
    except ValueError as exc:
        raise ValueError(
            f"SANDBOX_MIDTRANS_RETRY_SCHEDULE_SECONDS is not a list of seconds: {text!r}"
        ) from exc
    if any(delay < 0 for delay in schedule) or len(schedule) > 20:
        raise ValueError("SANDBOX_MIDTRANS_RETRY_SCHEDULE_SECONDS: up to 20 non-negative delays")
    return schedule


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    sandbox: SandboxSettings
    amadeus_knobs: KnobSettings
    duffel_knobs: KnobSettings
    midtrans: MidtransSettings = field(default_factory=MidtransSettings)
    digiflazz: DigiflazzSettings = field(default_factory=DigiflazzSettings)
    digiflazz_knobs: KnobSettings = field(default_factory=DigiflazzKnobSettings)
    ferry: FerrySettings = field(default_factory=FerrySettings)
    ferry_knobs: KnobSettings = field(default_factory=FerryKnobSettings)
    hotelbeds: HotelbedsSettings = field(default_factory=HotelbedsSettings)
    hotelbeds_knobs: KnobSettings = field(default_factory=HotelbedsKnobSettings)
    xendit: XenditSettings = field(default_factory=XenditSettings)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            sandbox=SandboxSettings(),
            amadeus_knobs=AmadeusKnobSettings(),
            duffel_knobs=DuffelKnobSettings(),
            midtrans=MidtransSettings(),
            hotelbeds=HotelbedsSettings(),
            hotelbeds_knobs=HotelbedsKnobSettings(),
            ferry=FerrySettings(),
            ferry_knobs=FerryKnobSettings(),
            xendit=XenditSettings(),
        )
