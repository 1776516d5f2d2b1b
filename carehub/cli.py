"""`carehub`: run the care hub and manage who and what it knows.

Every command that opens the database first brings its schema up to date, so
`carehub serve` on a fresh machine needs no other step. A problem is one line
on stderr and exit status 1; what a script may read (ids, a token, counts)
goes to stdout.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from typing import Sequence
from zoneinfo import ZoneInfo

from . import audit, db, people, retention
from .config import LOCAL_TIME, Settings, SettingsError
from .models import Role


class CommandError(Exception):
    pass


def _open(settings: Settings):
    from .hub import CareHub

    hub = CareHub(settings)
    db.upgrade(hub.engine)
    return hub


def _password(args) -> str:
    if args.password:
        return args.password
    if os.environ.get("CAREHUB_PASSWORD"):
        return os.environ["CAREHUB_PASSWORD"]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise CommandError("the two passwords differ")
    return first


def operator() -> str:
    """Who ran a command, for the audit log: the account on the hub's machine."""
    return f"cli:{getpass.getuser()}"


@contextmanager
def _change(settings: Settings):
    """The hub, a transaction, and `record(action, target, detail)` to audit what the command did in it."""
    hub = _open(settings)
    with hub.sessions() as session, session.begin():
        yield hub, session, lambda action, target, detail="": audit.record(session, hub.now(), None, action, target,
                                                                         detail, by=operator())


def cmd_init_db(args, settings: Settings) -> None:
    hub = _open(settings)
    print(f"database ready: {hub.engine.url.render_as_string(hide_password=True)}", file=sys.stderr)


def cmd_add_user(args, settings: Settings) -> None:
    with _change(settings) as (hub, session, record):
        user = people.create_user(session, hub.now(), args.username, args.name or args.username, _password(args),
                                  Role.ADMIN if args.admin else Role.CAREGIVER, args.phone, args.email, args.duty)
        record("add_user", f"user:{user.id}", "carehub add-user")
        print(user.id)


def cmd_add_resident(args, settings: Settings) -> None:
    with _change(settings) as (hub, session, record):
        resident = people.create_resident(session, hub.now(), args.name, args.honorific, args.address,
                                          args.notice_hours, args.urgent_hours)
        record("add_resident", f"resident:{resident.id}", "carehub add-resident")
        print(resident.id)


def cmd_assign(args, settings: Settings) -> None:
    with _change(settings) as (hub, session, record):
        user = people.find_user(session, args.user)
        resident = people.find_resident(session, args.resident)
        assignment = people.assign(session, resident, user, args.order, args.relation)
        record("assign", f"resident:{resident.id}", f"user:{user.id}")
        print(f"{user.username} is contact {assignment.chain_order} of resident {resident.id}", file=sys.stderr)


def cmd_add_device(args, settings: Settings) -> None:
    default = settings.speaker_offline_after.total_seconds() / 60 if args.kind == "speaker" else None
    with _change(settings) as (hub, session, record):
        resident = people.find_resident(session, args.resident)
        device, token = people.add_device(session, hub.now(), resident, args.kind, args.label,
                                          args.silent_after_min or default)
        record("add_device", f"device:{device.id}", "carehub add-device")
    print(f"device {device.id} ({device.kind}) for resident {resident.id}; its token is shown only now:",
          file=sys.stderr)
    print(token)


def cmd_serve(args, settings: Settings) -> None:
    import uvicorn

    hub = _open(settings)
    # The ticker (escalation, notifications, silence watch) runs here, once, however many
    # workers answer requests: two tickers would tell each contact twice.
    stop = hub.start_ticker()
    print(f"care hub on http://{args.host}:{args.port}/ ({args.workers} worker(s), "
          f"{hub.engine.url.render_as_string(hide_password=True)})", file=sys.stderr)
    try:
        uvicorn.run("carehub.app:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, access_log=args.access_log, log_level="warning")
    finally:
        stop.set()


def cmd_export_resident(args, settings: Settings) -> None:
    with _change(settings) as (hub, session, record):
        people.find_resident(session, args.resident)
        data = retention.export_resident(session, args.resident)
        record("export_resident", f"resident:{args.resident}", "carehub export")
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    print()


def cmd_erase_resident(args, settings: Settings) -> None:
    with _change(settings) as (hub, session, record):
        resident = people.find_resident(session, args.resident)
        if args.confirm_name != resident.name:
            raise CommandError("--confirm-name must be the resident's name exactly")
        counts = retention.erase_resident(session, args.resident)
        record("erase_resident", f"resident:{args.resident}", json.dumps(counts))
    print(json.dumps(counts))


def cmd_retention(args, settings: Settings) -> None:
    print(json.dumps(_open(settings).enforce_retention()))


def activity_events(rows, column: str, signal: str, zone: ZoneInfo, key: str):
    """One `activity` event per timestamp; the id comes from the source and the time, so
    feeding the same file twice stores nothing twice."""
    namespace = uuid.UUID(hashlib.sha256(key.encode()).hexdigest()[:32])
    for number, row in enumerate(rows, start=2):
        raw = (row.get(column) or "").strip()
        if not raw:
            continue
        try:
            at = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise CommandError(f"line {number}: {column}={raw!r} is not an ISO 8601 time") from None
        at = at if at.tzinfo else at.replace(tzinfo=zone)
        yield {"id": str(uuid.uuid5(namespace, f"{signal}|{at.isoformat()}")), "type": "activity",
               "occurred_at": at.isoformat(), "payload": {"signal": signal, "alive": True}}


def cmd_feed_activity(args, settings: Settings) -> None:
    token = args.token or os.environ.get("CAREHUB_TOKEN")
    if not token:
        raise CommandError("the source's token: --token or CAREHUB_TOKEN")
    with open(args.csv, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        column = args.column or (reader.fieldnames or [None])[0]
        if column is None or column not in (reader.fieldnames or []):
            raise CommandError(f"{args.csv}: no column {column!r} (columns: {reader.fieldnames})")
        events = list(activity_events(reader, column, args.signal, ZoneInfo(args.timezone), token))
    totals = {"stored": 0, "duplicates": 0}
    for start in range(0, len(events), args.batch):
        request = urllib.request.Request(
            args.url.rstrip("/") + "/api/v1/events", data=json.dumps(events[start:start + args.batch]).encode(),
            method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            raise CommandError(f"the hub answered {error.code}: {error.read().decode(errors='replace')}") from None
        except urllib.error.URLError as error:
            raise CommandError(f"cannot reach the hub at {args.url}: {error.reason}") from None
        for key in totals:
            totals[key] += answer[key]
    print(json.dumps({"events": len(events), **totals}))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="carehub", description="Anbu care hub: alerts and summaries for caregivers. "
                                "The database is DATABASE_URL (default: SQLite in ~/.local/share/anbu).")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("init-db", help="create or migrate the database").set_defaults(run=cmd_init_db)

    s = sub.add_parser("add-user", help="add an admin or a caregiver (password from --password, "
                                        "CAREHUB_PASSWORD, stdin or a prompt)")
    s.add_argument("username")
    s.add_argument("--name", default="")
    role = s.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true")
    role.add_argument("--caregiver", action="store_true", help="the default")
    s.add_argument("--password")
    s.add_argument("--phone")
    s.add_argument("--email")
    s.add_argument("--duty", action="store_true", help="the community centre's duty contact, told last")
    s.set_defaults(run=cmd_add_user)

    s = sub.add_parser("add-resident", help="add a resident; prints the id")
    s.add_argument("name")
    s.add_argument("--honorific", default="어르신")
    s.add_argument("--address")
    s.add_argument("--notice-hours", type=float, default=24.0, help="no sign of life this long: a notice")
    s.add_argument("--urgent-hours", type=float, default=48.0, help="this long: an urgent alert")
    s.set_defaults(run=cmd_add_resident)

    s = sub.add_parser("assign", help="put a caregiver in a resident's contact chain")
    s.add_argument("--user", required=True, help="username")
    s.add_argument("--resident", type=int, required=True)
    s.add_argument("--order", type=int, help="place in the chain (1 is told first); default: last")
    s.add_argument("--relation", default="", help="e.g. 복지담당, 봉사자, 가족")
    s.set_defaults(run=cmd_assign)

    s = sub.add_parser("add-device", help="register a speaker or another source; prints its token once")
    s.add_argument("--resident", type=int, required=True)
    s.add_argument("--kind", default="speaker", help="speaker, phone, plug, app, or another name")
    s.add_argument("--label", default="")
    s.add_argument("--silent-after-min", type=float, help="no post this long: the source itself is silent")
    s.set_defaults(run=cmd_add_device)

    s = sub.add_parser("serve", help="run the hub")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8470)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--access-log", action="store_true")
    s.set_defaults(run=cmd_serve)

    s = sub.add_parser("feed-activity", help="post a CSV of timestamps (a call log, plug readings) as activity")
    s.add_argument("csv")
    s.add_argument("--url", default="http://127.0.0.1:8470")
    s.add_argument("--token", help="the source's token (or CAREHUB_TOKEN)")
    s.add_argument("--column", help="the timestamp column; default the first")
    s.add_argument("--signal", default="call", help="what each row is: call, power_change, screen_on ...")
    s.add_argument("--timezone", default=str(LOCAL_TIME), help="for times written without an offset")
    s.add_argument("--batch", type=int, default=200)
    s.set_defaults(run=cmd_feed_activity)

    s = sub.add_parser("export-resident", help="all data of one resident as JSON (audited)")
    s.add_argument("resident", type=int)
    s.set_defaults(run=cmd_export_resident)

    s = sub.add_parser("erase-resident", help="erase all data of one resident (audited)")
    s.add_argument("resident", type=int)
    s.add_argument("--confirm-name", required=True)
    s.set_defaults(run=cmd_erase_resident)

    sub.add_parser("enforce-retention", help="delete what is past its retention now").set_defaults(run=cmd_retention)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args, Settings.from_env())
    except (CommandError, SettingsError, people.PeopleError, OSError) as error:
        print(f"carehub: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
