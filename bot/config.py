"""Settings read from the environment or `.env`; names are part of the public contract."""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

log = logging.getLogger(__name__)

GRAPH_API = "https://graph.facebook.com"
# Meta's template locale for each content language, unless WHATSAPP_TEMPLATE_LANGUAGES says otherwise.
TEMPLATE_LOCALES = {"en": "en", "sw": "sw", "fr": "fr", "es": "es", "pt": "pt_BR"}
MIN_KEY_LENGTH = 32
# A key is refused below this many bits by a Shannon estimate over its own characters: 32 identical
# characters, spaces or "abab…" give almost nothing; 32 random hex digits give about 100.
MIN_KEY_BITS = 80
MIN_KEY_DISTINCT = 8
KEY_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def key_problem(value: str) -> str | None:
    """Why `value` is not good enough as DATA_KEY, or None when it is."""
    if len(value) < MIN_KEY_LENGTH:
        return f"must be at least {MIN_KEY_LENGTH} characters"
    counts = Counter(value)
    bits = max(0.0, -sum(n * math.log2(n / len(value)) for n in counts.values()))
    if not value.strip() or len(counts) < MIN_KEY_DISTINCT or bits < MIN_KEY_BITS:
        return f"is not random enough (about {bits:.0f} bits; at least {MIN_KEY_BITS} needed); {KEY_HINT}"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    database_path: Path = Path("data/companion.db")
    # May carry a password, hence secret; unset means sqlite:/// + DATABASE_PATH.
    database_url: SecretStr | None = None
    # With several processes on PostgreSQL: a message `sending` for longer than this belongs to a process that
    # died, and another process sends it again.
    outbox_lease_seconds: int = Field(default=120, ge=5, le=3600)
    data_key: SecretStr | None = None
    content_dir: Path = Path("content")
    default_language: str = "en"
    default_timezone: str = "UTC"
    # The local emergency number the help cards show as typed (e.g. "112", "999 or 112"); unset: "your local
    # emergency number". Never guessed by the project.
    emergency_number: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_paid_broadcast: bool = False

    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_base_url: str = GRAPH_API
    whatsapp_template_name: str = "companion_nudge"
    whatsapp_template_languages: str = ""
    whatsapp_messages_per_second: float = Field(default=70.0, gt=0, le=1000)

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)

    metrics_token: SecretStr | None = None
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=3650)
    log_format: Literal["text", "json"] = "text"
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)

    @field_validator("data_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        problem = None if value is None else key_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("metrics_token")
    @classmethod
    def _token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
                ("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("expected sqlite:///PATH or postgresql://…")
        return value

    @property
    def database(self) -> str:
        """The database URL in force: DATABASE_URL, or the SQLite file at DATABASE_PATH."""
        if self.database_url is None:
            return f"sqlite:///{self.database_path}"
        return self.database_url.get_secret_value()

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"not a known time zone: {value!r}") from exc
        return value

    @field_validator("emergency_number")
    @classmethod
    def _emergency_number(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if len(value) > 40 or not any(char.isdigit() for char in value) or set(value) & set("{}<>"):
            raise ValueError(f"must be a phone number as people dial it (e.g. 112), got {value!r}")
        return value

    @field_validator("default_language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        if not value.isalpha() or not 2 <= len(value) <= 3:
            raise ValueError(f"not a language code: {value!r}")
        return value.lower()

    @field_validator("telegram_base_url", "telegram_webhook_url", "whatsapp_api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value

    @field_validator("whatsapp_template_name")
    @classmethod
    def _template_name(cls, value: str) -> str:
        if not value or not all(c.islower() or c.isdigit() or c == "_" for c in value):
            raise ValueError(f"a template name has lowercase letters, digits and _ only, got {value!r}")
        return value

    @field_validator("whatsapp_template_languages")
    @classmethod
    def _template_languages(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            language, sep, locale = pair.partition("=")
            if not sep or not language.strip().isalpha() or not locale.strip():
                raise ValueError(f"expected pairs like 'en=en_US,pt=pt_BR', got {pair!r}")
        return value

    @property
    def whatsapp_template_locales(self) -> dict[str, str]:
        """Our language code -> Meta's template locale code (defaults overridden by the setting)."""
        pairs = (p.partition("=") for p in self.whatsapp_template_languages.split(",") if p.strip())
        return TEMPLATE_LOCALES | {language.strip().lower(): locale.strip() for language, _, locale in pairs}

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return all(
            (
                self.whatsapp_access_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
            )
        )

    @property
    def whatsapp_partly_configured(self) -> bool:
        parts = (
            self.whatsapp_access_token,
            self.whatsapp_phone_number_id,
            self.whatsapp_app_secret,
            self.whatsapp_verify_token,
        )
        return any(parts) and not all(parts)

    @property
    def key_file(self) -> Path:
        return self.database_path.parent / "secret.key"

    def secret(self) -> str:
        """Return DATA_KEY, generating `secret.key` beside the database on first use."""
        if self.data_key is not None:
            return self.data_key.get_secret_value()
        path = self.key_file
        if path.exists():
            value = path.read_text(encoding="utf-8").strip()
            problem = key_problem(value)
            if problem is not None:
                raise ConfigError(f"DATA_KEY: {path.name} {problem.replace('must be', 'must hold')}")
            return value
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        log.warning("DATA_KEY is not set: generated %s (mode 0600). Back it up; without it data is unreadable.",
                    path.name)
        return value


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation errors into one line that names the setting."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    if settings.whatsapp_partly_configured:
        raise ConfigError(
            "WHATSAPP_*: set all four of WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, "
            "WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN, or none"
        )
    return settings
