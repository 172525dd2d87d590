"""`python -m bot …`: the command line of the public contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from bot.errors import CompanionError
from bot.logs import configure_logging, settings_secrets
from bot.storage.db import Database
from bot.storage.engines import database_for

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The Balancing the Scales companion.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run every configured channel (the console when none is)")
    console = sub.add_parser("console", help="chat with the bot in the terminal")
    console.add_argument("--as", dest="name", default="you", help="which local person you are")

    content = sub.add_parser("content", help="the content library").add_subparsers(dest="action", required=True)
    content.add_parser("check", help="validate the whole library")
    listing = content.add_parser("list", help="list exercises")
    listing.add_argument("--json", action="store_true", help="one JSON object per exercise")

    db = sub.add_parser("db", help="the database").add_subparsers(dest="action", required=True)
    db.add_parser("migrate", help="apply migrations")
    backup = db.add_parser("backup", help="online backup of the live database")
    backup.add_argument("file", type=Path)
    db.add_parser("rotate-key", help="re-encrypt every protected field under a new DATA_KEY (NEW_DATA_KEY)")
    restore = db.add_parser("restore", help="put a backup back in place of the database (the bot must be stopped)")
    restore.add_argument("file", type=Path)

    facilitator = sub.add_parser("facilitator", help="facilitators").add_subparsers(dest="action", required=True)
    facilitator.add_parser("invite", help="print a one-time code that makes its sender a facilitator")

    schedule = sub.add_parser("schedule", help="the outbox").add_subparsers(dest="action", required=True)
    pending = schedule.add_parser("list", help="pending deliveries (no personal data)")
    pending.add_argument("--why", type=int, metavar="ID", help="say why one delivery did not go")
    pending.add_argument("--limit", type=int, default=200, help="at most this many lines (default 200)")
    return parser


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run

    await run(settings)
    return 0


async def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run_console

    name = args.name.strip()
    if not name or len(name) > 64:
        raise CompanionError("--as: give a name of 1 to 64 characters")
    await run_console(settings, name)
    return 0


async def _content(args: argparse.Namespace, settings: Settings) -> int:
    from bot.library.check import check_library
    from bot.library.loader import read_library
    from bot.library.schema import STAGE_ORDER

    if args.action == "check":
        problems = check_library(settings.content_dir)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s) found", file=sys.stderr)
            return 1
        print("content OK")
        return 0
    packs, problems = read_library(settings.content_dir)
    if problems:
        raise CompanionError(f"{problems[0]} (run `python -m bot content check`)")
    for code, pack in packs.items():
        for exercise in (e for stage in STAGE_ORDER for e in pack.in_stage(stage)):
            row = {"id": exercise.id, "stage": str(exercise.stage), "language": code,
                   "minutes": exercise.minutes, "title": exercise.title}
            print(json.dumps(row, ensure_ascii=False) if args.json else
                  f"{code}  {exercise.stage:<12} {exercise.minutes}m  {exercise.id:<24} {exercise.title}")
    return 0


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.lock import DatabaseLock

    lock = DatabaseLock(settings.database_path)
    if args.action in ("rotate-key", "restore"):
        lock.acquire(exclusive=True)  # refuses while a bot holds the database
    try:
        if args.action == "restore":
            await _restore(args.file, settings)
            return 0
        if args.action == "backup" and _same_file(args.file, settings.database_path):
            raise CompanionError("db backup: FILE is the live database itself; name another file")
        db = database_for(settings.database)
        await db.connect()
        try:
            if args.action == "migrate":
                applied = await db.migrate()
                print(f"applied {len(applied)} migration(s); schema version {await db.version()}")
            elif args.action == "backup":
                await db.migrate()
                await db.backup(args.file)
                print(f"backup written to {args.file}")
            elif args.action == "rotate-key":
                await db.migrate()
                await _rotate(db, settings)
        finally:
            await db.close()
    finally:
        lock.release()
    return 0


def _same_file(candidate: Path, database: Path) -> bool:
    """True when `candidate` is the database or one of SQLite's files beside it."""
    live = database.resolve()
    names = {live.name + suffix for suffix in ("", "-wal", "-shm", "-journal", ".lock")}
    target = candidate.resolve()
    return target.parent == live.parent and target.name in names


async def _rotate(db: Database, settings: Settings) -> None:
    """Rotate to NEW_DATA_KEY, or to a generated key when the key lives in secret.key."""
    from bot.config import key_problem
    from bot.storage.crypto import Vault
    from bot.storage.keycheck import WrongKey, key_opens, wrong_key_message
    from bot.storage.rotation import rotate_key, rotate_key_file

    new_secret = os.environ.get("NEW_DATA_KEY", "")
    if settings.data_key is not None and not new_secret:
        raise CompanionError("NEW_DATA_KEY: set it to the new secret (DATA_KEY comes from the environment)")
    problem = key_problem(new_secret) if new_secret else None
    if problem is not None:
        raise CompanionError(f"NEW_DATA_KEY: {problem}")
    old_secret = settings.secret()
    if settings.data_key is None:
        report = await rotate_key_file(db, settings.key_file, old_secret)
        where = f"{settings.key_file.name} now holds the new key"
        if report.resumed:
            print(f"finished an interrupted rotation; {where}")
            return
    else:
        if await key_opens(db, Vault(new_secret)):
            print("the data is already under NEW_DATA_KEY; now set DATA_KEY to it before the next start")
            return
        if await key_opens(db, Vault(old_secret)) is False:
            raise WrongKey(wrong_key_message(settings.database_path.name))
        report = await rotate_key(db, Vault(old_secret), Vault(new_secret))
        where = "now set DATA_KEY to the value of NEW_DATA_KEY before the next start"
    print(f"re-encrypted {report.fields} field(s) and {report.lookups} look-up hash(es); {where}")


async def _restore(source: Path, settings: Settings) -> None:
    """Check the backup's integrity and key, then put it in place of the (stopped) database."""
    from bot.storage.backups import restore_backup, restore_postgres_backup

    if settings.data_key is None and not settings.key_file.exists():
        raise CompanionError(f"db restore: no DATA_KEY and no {settings.key_file.name}: put back the key the "
                             "backup was made with first")
    if settings.database.startswith("postgres"):
        people = await restore_postgres_backup(source, settings.database, settings.secret())
    else:
        people = await restore_backup(source, settings.database_path, settings.secret())
    print(f"restored {source.name}: {people} person(s); the bot can start again")


async def _facilitator(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.clock import SystemClock
    from bot.storage.store import Store

    store = await Store.open(settings.database, settings.secret())
    try:
        code, expires = await store.facilitators.invite(SystemClock().now())
    finally:
        await store.close()
    print(f"facilitator code: {code}")
    print(f"valid once, until {expires:%Y-%m-%d %H:%M} UTC; the person sends: /facilitator {code}")
    return 0


async def _schedule(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduling.report import pending_table, why
    from bot.storage.store import Store

    if args.limit < 1:
        raise CompanionError("--limit: give a number of at least 1")
    store = await Store.open(settings.database, settings.secret())
    try:
        if args.why is not None:
            print(why(args.why, await store.deliveries.get(args.why)))
            return 0
        groups = await store.deliveries.pending_groups(args.limit)
        lines = pending_table(groups, await store.deliveries.count_pending())
    finally:
        await store.close()
    print("\n".join(lines))
    return 0


HANDLERS: dict[str, Handler] = {"run": _run, "console": _console, "content": _content, "db": _db,
                                "facilitator": _facilitator, "schedule": _schedule}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    private = configure_logging(logging.INFO)
    try:
        settings = load_settings()
        if settings.log_format != "text":
            private = configure_logging(logging.INFO, log_format=settings.log_format)
        private.secrets |= settings_secrets(settings)
        return asyncio.run(HANDLERS[args.command](args, settings))
    except CompanionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `content list | head`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
