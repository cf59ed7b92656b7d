"""Configuration: defaults, and one clear line (exit 2) for each missing or malformed value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime import cli
from bot.runtime.config import DEFAULT_API_URL, ConfigError, load_settings, settings_from


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = settings_from({})
    assert settings.api_url == DEFAULT_API_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.port == 3000
    assert settings.admin_user_ids == ()
    assert not settings.has_slack_credentials


def test_values_are_parsed() -> None:
    settings = settings_from(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "PORT": "8080",
            "ADMIN_USER_IDS": "U01ABC, W02DEF",
            "DIGEST_CHANNEL": "C0123ABC",
        }
    )
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.admin_user_ids == ("U01ABC", "W02DEF")
    assert settings.socket_mode and settings.port == 8080


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "mysql://x"),
        ("ADMIN_USER_IDS", "alice,U01ABC"),
        ("DIGEST_CHANNEL", "#general"),
    ],
)
def test_a_malformed_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from({name: value})
    assert str(error.value).startswith(name)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nADMIN_USER_IDS=U0FROMFILE\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.delenv("ADMIN_USER_IDS", raising=False)
    settings = load_settings(env_file)
    assert settings.port == 5000
    assert settings.admin_user_ids == ("U0FROMFILE",)


def test_serve_without_a_bot_token_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SLACK_BOT_TOKEN" in err[0]


def test_a_malformed_port_stops_serve_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORT", "abc")
    assert cli.main(["serve"]) == 2
    assert "PORT" in capsys.readouterr().err


def test_db_upgrade_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "upgrade"]) == 0  # idempotent
    assert (tmp_path / "x.sqlite3").exists()


ROOT = Path(__file__).resolve().parents[2]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, as a person runs it: its own logging set-up, real stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # nothing listens: these commands must not call Slack
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_cli_commands_print_their_result_without_alembics_info_lines(tmp_path: Path) -> None:
    for _ in range(2):  # creating the schema, then finding it up to date
        upgrade = _cli(tmp_path, "db", "upgrade")
        assert (upgrade.returncode, upgrade.stdout, upgrade.stderr) == (0, "Database schema is up to date.\n", "")
    job = _cli(tmp_path, "run-job", "outbox", "--now", "2026-12-02T12:00:00Z")
    assert (job.returncode, job.stdout, job.stderr) == (0, "outbox: 0 messages sent\n", "")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://app:s3cret-pw@db.internal:3306/mentoring",
        "postgres://app:s3cret-pw@db.internal/mentoring",  # SQLAlchemy's name is postgresql
        "mysql://app:s3cret@pw@db.internal/mentoring",  # an unencoded '@' in the password
        "app:s3cret-pw@db.internal/mentoring",  # no scheme at all
        "mysql://db.internal/mentoring?user=app&password=s3cret-pw",
    ],
)
def test_a_malformed_database_url_is_printed_with_its_password_masked(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "db.internal" in err  # still says which URL is wrong ...
    assert "s3cret" not in err and "***" in err  # ... without its password
