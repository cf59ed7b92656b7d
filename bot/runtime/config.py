"""Settings read once from the environment (and `.env` through python-dotenv).

A missing or malformed value raises `ConfigError` naming the variable and what to put there; the CLI turns
that into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///reverse_mentor.sqlite3"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_PASSWORD_PARAMETER = re.compile(r"([?&]password=)[^&]*", re.IGNORECASE)


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    admin_user_ids: tuple[str, ...] = ()
    digest_channel: str | None = None
    scheduler_lease_seconds: int = 30
    job_interval_seconds: int | None = None  # tests and the demo speed jobs up; production leaves it unset
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.bot_token and (self.signing_secret or self.app_token))

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def require_slack(self) -> None:
        """`serve` needs a bot token, plus a signing secret (HTTP) or an app token (Socket Mode)."""
        if not self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: put the app's Bot User OAuth Token (xoxb-...) from "
                "api.slack.com/apps > OAuth & Permissions in .env"
            )
        if not self.socket_mode and not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: put the Signing Secret from api.slack.com/apps > "
                "Basic Information in .env (or set SLACK_APP_TOKEN for Socket Mode)"
            )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _token(env: Mapping[str, str], name: str, prefix: str, where: str) -> str | None:
    value = _optional(env, name)
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} must start with '{prefix}': put the {where} in .env")
    return value


def _port(env: Mapping[str, str]) -> int:
    raw = _optional(env, "PORT")
    if raw is None:
        return 3000
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT must be a TCP port number from 1 to 65535, got {raw!r}")
    return int(raw)


def _positive(env: Mapping[str, str], name: str, default: int | None, what: str) -> int | None:
    raw = _optional(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{name} must be a whole number of seconds above 0 ({what}), got {raw!r}")
    return int(raw)


def _api_url(env: Mapping[str, str]) -> str:
    raw = _optional(env, "SLACK_API_URL") or DEFAULT_API_URL
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, got {raw!r}")
    return raw if raw.endswith("/") else raw + "/"


def masked_url(url: str) -> str:
    """`url` with its password shown as ***, for error messages and logs: in the user part (up to the last '@'
    after '://', so a password with an unencoded '@' or ':' is hidden whole) and as a `password=` parameter.
    Masks too much rather than too little when the URL is malformed."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # no scheme: all of it may hold a password
        scheme, rest = "", url
    if "@" in rest:
        user_part, _, host_part = rest.rpartition("@")
        user, colon, _password = user_part.partition(":")
        rest = f"{user}{colon and ':***'}@{host_part}"
    return _PASSWORD_PARAMETER.sub(r"\1***", f"{scheme}{sep}{rest}")


def _database_url(env: Mapping[str, str]) -> str:
    raw = _optional(env, "DATABASE_URL") or DEFAULT_DATABASE_URL
    if not raw.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            "DATABASE_URL must be a SQLAlchemy URL: sqlite:///file.sqlite3 or "
            f"postgresql+psycopg://user@host:5432/dbname, got {masked_url(raw)!r}"
        )
    return raw


def _admins(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = _optional(env, "ADMIN_USER_IDS")
    if raw is None:
        return ()
    ids = tuple(part.strip() for part in raw.split(",") if part.strip())
    bad = [i for i in ids if not _USER_ID.match(i)]
    if bad:
        raise ConfigError(f"ADMIN_USER_IDS must be comma-separated Slack user ids like U012AB3CD, not {', '.join(bad)}")
    return ids


def _channel(env: Mapping[str, str]) -> str | None:
    raw = _optional(env, "DIGEST_CHANNEL")
    if raw is not None and not _CHANNEL_ID.match(raw):
        raise ConfigError(f"DIGEST_CHANNEL must be a channel id like C012AB3CD (channel details > About), not {raw!r}")
    return raw


def settings_from(env: Mapping[str, str]) -> Settings:
    """Parse settings from a plain mapping (tests pass one in; `load_settings` reads the process)."""
    return Settings(
        bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-", "Bot User OAuth Token"),
        signing_secret=_optional(env, "SLACK_SIGNING_SECRET"),
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-", "App-Level Token with connections:write"),
        api_url=_api_url(env),
        database_url=_database_url(env),
        port=_port(env),
        admin_user_ids=_admins(env),
        digest_channel=_channel(env),
        scheduler_lease_seconds=_positive(env, "SCHEDULER_LEASE_SECONDS", 30, "how long a dead scheduler blocks others")
        or 30,
        job_interval_seconds=_positive(env, "JOB_INTERVAL_SECONDS", None, "run every periodic job this often"),
    )


def load_settings(env_file: str | Path = ".env") -> Settings:
    """Read `.env` (if present) under the real environment, which wins, then parse once."""
    merged: dict[str, str] = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    merged.update(os.environ)
    return settings_from(merged)
