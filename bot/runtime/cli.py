"""`reverse-mentor serve | start | demo | db upgrade | import-org FILE.csv`.

Configuration problems end the program with one line naming the variable and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.runtime.clock import Clock, FixedClock, SystemClock
from bot.runtime.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
JOB_NAMES = {"checkins", "reminders", "outbox", "followups", "nudges", "digest", "retention"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reverse-mentor", description="Run a reverse mentoring programme in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)")
    sub.add_parser("start", help="serve when Slack tokens are configured, otherwise run the offline demo")
    demo = sub.add_parser("demo", help="a whole cohort in simulated time against a local Slack stand-in")
    demo.add_argument("--people", type=int, default=40, help="size of the sample organisation (default 40)")
    demo.add_argument("--weeks", type=int, default=12, help="simulated weeks of sessions (default 12)")
    demo.add_argument("--seed", type=int, default=7, help="the same seed gives the same transcript (default 7)")
    demo.add_argument("--out", default="demo-output", help="where the database and chart go (default demo-output)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    job = sub.add_parser("run-job", help="run one periodic job once")
    job.add_argument("name", choices=sorted(JOB_NAMES))
    job.add_argument(
        "--now",
        help="ISO 8601 time to run the whole job at, sending what is due by then (default: now), "
        "e.g. 2026-03-01T09:00:00Z; a future time records future times (docs/time.md)",
    )
    export = sub.add_parser("export", help="write the programme's aggregates (no names, no free text) as CSV")
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.add_argument("--team", help="Slack team id (default: the bot token's team, from auth.test)")
    export.add_argument(
        "--exact", action="store_true", help="the admins-only exact export (default: the shareable, published one)"
    )
    export.add_argument("--now", help="ISO 8601 time to export as of (default: now), e.g. 2030-04-01T09:00:00Z")
    imp = sub.add_parser("import-org", help="import the org chart from a CSV file")
    imp.add_argument("file")
    imp.add_argument("--team", help="Slack team id (default: the bot token's team, from auth.test)")
    return parser


def _serve(settings: Settings) -> int:
    from bot.delivery.outbox import BackgroundSender
    from bot.runtime.app import build_app, build_services
    from bot.runtime.scheduler import SchedulerLeader
    from bot.runtime.server import http_server, run_socket_mode

    settings.require_slack()
    services = build_services(settings)
    services.db.upgrade()
    bolt = build_app(settings, services)
    leader = SchedulerLeader(
        services,
        lease_seconds=settings.scheduler_lease_seconds,
        interval_override=settings.job_interval_seconds,
    ).start()
    # Every serve process sends, not only the scheduler's lease holder: a message whose sender died is taken
    # back and sent within about 30 s (docs/delivery.md), and a click's retries need no scheduler.
    outbox = BackgroundSender(services.db, services.client_for, clock=services.clock.now).start()
    try:
        if settings.app_token:
            logging.getLogger(__name__).info("starting in Socket Mode")
            run_socket_mode(bolt, settings.app_token)
        else:
            logging.getLogger(__name__).info("listening on :%s (POST /slack/events, GET /healthz)", settings.port)
            http_server(bolt, services.db, settings.port).run()
    finally:
        outbox.stop()
        leader.stop()
    return 0


def _start(settings: Settings) -> int:
    if settings.has_slack_credentials:
        return _serve(settings)
    print(
        "No Slack app configured yet, so here is the offline demo: a whole cohort, simulated.\n"
        "To run in your workspace: create the app from manifest.yml at https://api.slack.com/apps "
        "(Create New App > From a manifest), install it, then put in .env:\n"
        "  SLACK_BOT_TOKEN=xoxb-...       (OAuth & Permissions > Bot User OAuth Token)\n"
        "  SLACK_SIGNING_SECRET=...       (Basic Information > Signing Secret), or for Socket Mode\n"
        "  SLACK_APP_TOKEN=xapp-...       (Basic Information > App-Level Tokens, scope connections:write)\n"
        "and run `make run` again. See README.md > Set-up.\n",
        file=sys.stderr,
    )
    return _demo(argparse.Namespace(people=40, weeks=12, seed=7, out="demo-output"))


def _demo(args: argparse.Namespace) -> int:
    from bot.simulation import demo
    from bot.simulation.sample_org import MIN_PEOPLE

    if args.people < MIN_PEOPLE or args.weeks < 1:
        print(f"--people must be at least {MIN_PEOPLE} and --weeks at least 1", file=sys.stderr)
        return EXIT_CONFIG
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # the app's per-message INFO lines would drown the progress bar
    try:
        return demo.main(args.people, args.weeks, args.seed, args.out, sys.stdout, sys.stderr)
    finally:
        root.setLevel(level)


def _import_org(settings: Settings, path: str, team: str | None) -> int:
    from bot.delivery.slack_client import make_client
    from bot.org_import.importer import OrgImportError, import_org
    from storage.db import Database

    settings.require_slack()
    client = make_client(settings.bot_token, settings.api_url)
    team_id = team or client.auth_test()["team_id"]
    db = Database(settings.database_url, now=SystemClock().now)
    db.upgrade()
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            summary = import_org(db, team_id, handle.read(), client)
    except OSError as error:
        print(f"Cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"{path} is not UTF-8 text: export it from your HR system as CSV UTF-8 and try again.", file=sys.stderr)
        return 1
    except OrgImportError as error:
        print(f"{path} was not imported; nothing changed. Fix these and try again:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Imported {path}: {summary}")
    return 0


def _clock(raw: str | None) -> Clock:
    """`--now T`: the whole command runs at T (a clock standing at T); without it, the real time."""
    if raw is None:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise ConfigError(f"--now must be an ISO 8601 time such as 2026-03-01T09:00:00Z, not {raw!r}") from error
    return FixedClock(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _run_job(settings: Settings, name: str, now_raw: str | None) -> int:
    from bot.runtime.app import build_services
    from bot.runtime.jobs import JOBS

    clock = _clock(now_raw)
    settings.require_slack()
    services = build_services(settings, clock=clock)
    services.db.upgrade()
    print(JOBS[name](services, True))
    return 0


def _export(settings: Settings, out: str, team: str | None, now_raw: str | None, exact: bool = False) -> int:
    from bot.delivery.slack_client import make_client
    from bot.digest.posting import export_for
    from storage.db import Database

    clock = _clock(now_raw)
    if team is None:
        settings.require_slack()
        team = make_client(settings.bot_token, settings.api_url).auth_test()["team_id"]
    db = Database(settings.database_url, now=clock.now)
    db.upgrade()
    with open(out, "w", encoding="utf-8", newline="") as handle:
        export = export_for(db, team, clock.now(), exact=exact)
        handle.write(export.text)
    print(f"Wrote {out}" + (" (EXACT figures: admins only, do not share)" if exact else " (published figures)"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic logs a line per plugin and per migration step at INFO on every schema check, which every command
    # makes; a person at the terminal needs only its warnings and errors.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        if args.command == "serve":
            return _serve(settings)
        if args.command == "start":
            return _start(settings)
        if args.command == "demo":
            return _demo(args)
        if args.command == "db":
            from storage.db import Database

            Database(settings.database_url, now=SystemClock().now).upgrade()
            print("Database schema is up to date.")
            return 0
        if args.command == "run-job":
            return _run_job(settings, args.name, args.now)
        if args.command == "export":
            return _export(settings, args.out, args.team, args.now, args.exact)
        if args.command == "import-org":
            return _import_org(settings, args.file, args.team)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return 1


if __name__ == "__main__":
    sys.exit(main())
