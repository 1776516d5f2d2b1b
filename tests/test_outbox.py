"""The durable outbox and its sender, against a real HTTP hub stand-in on 127.0.0.1.

Time is an injected clock wherever backoff matters, so days of outage take
milliseconds; the files and the HTTP traffic are real.
"""
from __future__ import annotations

import json
import logging
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from emergency.outbox import Backoff, Event, Outbox, OutboxFull, outbox_report
from emergency.sender import Hub, SendLoop, Sender
from hub_server import TOKEN, Faults, HubServer

ROOT = Path(__file__).resolve().parents[1]
KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 5, 9, 7, 0, tzinfo=KST)


class Clock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def alert(level: str, at: datetime, **payload) -> Event:
    return Event.new("alert", {"level": level, **payload}, at)


def event(type_: str, at: datetime, **payload) -> Event:
    return Event.new(type_, payload, at)


def sender_for(outbox: Outbox, hub_url: str, token: str = TOKEN, timeout_s: float = 2.0) -> Sender:
    return Sender(outbox, Hub(hub_url, token, timeout_s), requests.Session(),
                  hub_backoff=Backoff(base_s=1.0, cap_s=60.0), rng=random.Random(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(tmp_path, clock):
    with Outbox(tmp_path / "outbox.db", clock, rng=random.Random(7)) as box:
        yield box


# --- events and the file ----------------------------------------------------------

def test_bad_envelopes_are_refused_naming_the_field():
    with pytest.raises(ValueError, match="UUID"):
        Event("42", "heartbeat", T0, {})
    with pytest.raises(ValueError, match="type"):
        Event.new("selfie", {}, T0)
    with pytest.raises(ValueError, match="offset"):
        Event.new("heartbeat", {}, datetime(2026, 5, 9, 7, 0))
    with pytest.raises(ValueError, match="level"):
        Event.new("alert", {"level": "none"}, T0)
    with pytest.raises(ValueError, match="occurred_at"):
        Event.from_envelope({"id": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "type": "heartbeat"})


def test_the_envelope_is_what_architecture_md_says():
    e = alert("emergency", T0, heard="살려 주세요")
    envelope = json.loads(e.to_json())
    assert set(envelope) == {"id", "type", "occurred_at", "payload"}
    assert envelope["occurred_at"] == "2026-05-09T07:00:00+09:00"
    assert envelope["payload"]["heard"] == "살려 주세요"
    assert Event.from_envelope(envelope) == e


def test_putting_the_same_id_twice_stores_it_once(outbox):
    e = alert("urgent", T0)
    assert outbox.put(e) and outbox.put(e)
    assert outbox.due(T0) == [e]


def test_an_event_is_in_the_file_the_moment_put_returns(tmp_path, clock):
    # A power cut leaves only what is in the files: copy them while the outbox is still open,
    # nothing closed or checkpointed, and open the copy elsewhere.
    events = [alert("emergency", T0), event("checkin", T0, slept="잘 잤어요")]
    box = Outbox(tmp_path / "live" / "outbox.db", clock)
    for e in events:
        box.put(e)
    (tmp_path / "after-cut").mkdir()
    for name in ("outbox.db", "outbox.db-wal"):
        shutil.copy(tmp_path / "live" / name, tmp_path / "after-cut" / name)
    with Outbox(tmp_path / "after-cut" / "outbox.db", clock) as reopened:
        assert reopened.due(T0) == events
    box.close()


def test_reopened_after_close_everything_is_still_there(tmp_path, clock):
    path = tmp_path / "outbox.db"
    with Outbox(path, clock) as box:
        kept = [alert("notice", T0), event("heartbeat", T0)]
        for e in kept:
            box.put(e)
        box.mark_failed(kept[0].id, "HTTP 500", T0)
    with Outbox(path, clock) as box:
        assert box.due(T0 + timedelta(hours=1)) == kept
        assert box.status().last_failure.reason == "HTTP 500"


def test_a_writer_killed_with_sigkill_loses_no_event_it_was_told_was_stored(tmp_path, clock):
    path = tmp_path / "outbox.db"
    script = """
import sys, time
from datetime import datetime, timezone
from emergency.outbox import Event, Outbox
box = Outbox(sys.argv[1], lambda: datetime.now(timezone.utc))
for i in range(200):
    e = Event.new("alert", {"level": "urgent", "i": i}, datetime.now(timezone.utc))
    box.put(e)
    print(e.id, flush=True)
time.sleep(60)
"""
    writer = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    stored = [writer.stdout.readline().strip() for _ in range(200)]
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    with Outbox(path, clock) as box:
        assert [e.id for e in box.due(datetime.now(timezone.utc), limit=500)] == stored


# --- order and backoff -------------------------------------------------------------

def test_due_gives_emergency_then_urgent_then_the_rest_oldest_first(outbox):
    utc = timezone.utc
    put_order = [
        event("heartbeat", T0),
        alert("urgent", T0 + timedelta(minutes=5)),
        alert("notice", T0 - timedelta(hours=1)),
        alert("emergency", T0 + timedelta(minutes=9)),
        event("checkin", T0 - timedelta(minutes=30)),
        # 22:30 UTC the day before is 07:30 in Seoul: later than T0 although it reads earlier.
        alert("emergency", datetime(2026, 5, 8, 22, 30, tzinfo=utc)),
        alert("urgent", datetime(2026, 5, 8, 21, 59, tzinfo=utc)),  # 06:59 KST
    ]
    for e in put_order:
        outbox.put(e)
    due = outbox.due(T0 + timedelta(hours=1))
    assert [e.kind for e in due] == ["alert/emergency", "alert/emergency", "alert/urgent", "alert/urgent",
                                     "alert/notice", "checkin", "heartbeat"]
    assert [due[0].id, due[1].id, due[2].id] == [put_order[3].id, put_order[5].id, put_order[6].id]
    assert due[1].occurred_at.utcoffset() == timedelta(0)  # the envelope keeps the offset it was given


def test_backoff_doubles_with_jitter_up_to_its_cap():
    backoff, rng = Backoff(base_s=2.0, cap_s=60.0), random.Random(3)
    for attempt, full in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 32), (6, 60), (30, 60), (5000, 60)]:
        delays = [backoff.delay_s(attempt, rng) for _ in range(200)]
        assert full / 2 <= min(delays) and max(delays) <= full
        assert max(delays) - min(delays) > full / 4  # jittered, not a fixed step


def test_a_failed_event_waits_its_growing_backoff(outbox):
    e = alert("urgent", T0)
    outbox.put(e)
    now, waits = T0, []
    for _ in range(6):
        retry_at = outbox.mark_failed(e.id, "HTTP 500", now)
        waits.append((retry_at - now).total_seconds())
        assert outbox.due(retry_at - timedelta(milliseconds=1)) == []
        assert outbox.due(retry_at) == [e]
        now = retry_at
    assert waits == sorted(waits) and waits[-1] > 8 * waits[0]


def test_a_failure_outside_the_event_leaves_it_due_and_its_backoff_unchanged(outbox):
    e = alert("emergency", T0)
    outbox.put(e)
    for minute in range(50):
        outbox.note_failure(e.id, "cannot reach the hub", T0 + timedelta(minutes=minute))
        assert outbox.due(T0 + timedelta(minutes=minute)) == [e]
    assert outbox.status().last_failure.reason == "cannot reach the hub"
    first_wait = outbox.mark_failed(e.id, "HTTP 500", T0) - T0
    assert first_wait <= timedelta(seconds=2)  # the first failure of its own, not the 51st


# --- delivery --------------------------------------------------------------------------

def test_the_hub_receives_events_in_priority_order(outbox, clock):
    kinds = ["heartbeat", "emergency", "checkin", "urgent", "notice", "emergency", "summary", "urgent"]
    for minute, kind in enumerate(kinds):
        at = T0 + timedelta(minutes=minute)
        outbox.put(alert(kind, at) if kind in ("emergency", "urgent", "notice") else event(kind, at))
    with HubServer() as hub:
        report = sender_for(outbox, hub.url).send_due(clock())
    assert report.sent == len(kinds) and outbox.status().waiting_count == 0
    received = [hub.store.events[i] for i in hub.store.order]
    assert [e["payload"].get("level", e["type"]) for e in received] == [
        "emergency", "emergency", "urgent", "urgent", "heartbeat", "checkin", "notice", "summary"]


def test_an_event_is_marked_sent_only_when_the_hub_confirms(outbox, clock):
    e = alert("emergency", T0, heard="살려 주세요")
    outbox.put(e)
    # The hub stores the event and then never answers: the sender must keep it.
    with HubServer(Faults(stall=1.0, stall_s=0.6, seed=2)) as hub:
        report = sender_for(outbox, hub.url, timeout_s=0.2).send_due(clock())
        assert report.sent == 0 and report.hub_away.startswith("no answer within 0.2 s")
        assert outbox.due(clock.advance(minutes=1)) == [e]
        hub.set_faults(Faults())
        report = sender_for(outbox, hub.url).send_due(clock())
    assert report.sent == 1 and outbox.status().waiting_count == 0
    assert hub.store.stats()["posts"] == 2 and list(hub.store.events) == [e.id]


def test_an_id_the_hub_already_holds_counts_as_sent(outbox, clock):
    first, second = alert("urgent", T0), alert("urgent", T0)
    with HubServer() as hub:
        for e in (first, second):
            outbox.put(e)
            # The first confirmation of each was lost: the hub holds both already.
            requests.post(hub.url + "/api/v1/events", data=e.to_json().encode(), headers={"Authorization": f"Bearer {TOKEN}"})
        report = sender_for(outbox, hub.url).send_due(clock())
    assert report.sent == 2 and outbox.status().waiting_count == 0
    assert hub.store.stats() == {"stored": 2, "posts": 4, "duplicate_posts": 2, "faults": {}}


def test_a_refused_event_is_kept_shown_and_not_retried(outbox, clock):
    too_big = event("summary", T0, text="오늘은 " * 20000)
    fine = event("checkin", T0)
    outbox.put(too_big), outbox.put(fine)
    with HubServer() as hub:
        sender = sender_for(outbox, hub.url)
        report = sender.send_due(clock())
        assert (report.sent, report.rejected) == (1, 1)
        assert sender.send_due(clock.advance(days=1)).rejected == 0
    status = outbox.status()
    assert status.waiting_count == 0 and status.rejected_count == 1
    assert status.rejected[0].event_id == too_big.id and status.rejected[0].reason.startswith("HTTP 413")
    assert f"summary {too_big.id}: HTTP 413" in outbox_report(status)


def test_a_token_the_hub_does_not_know_is_retried_not_rejected(outbox, clock):
    e = alert("emergency", T0)
    outbox.put(e)
    with HubServer() as hub:
        report = sender_for(outbox, hub.url, token="revoked").send_due(clock())
        assert report.hub_away.startswith("HTTP 401") and outbox.status().rejected_count == 0
        # The token fixed on the device, the waiting alert goes out without anyone's help.
        assert sender_for(outbox, hub.url).send_due(clock.advance(minutes=1)).sent == 1
    assert list(hub.store.events) == [e.id]


def test_the_hub_gone_for_three_days_then_back_gets_the_backlog_alerts_first(outbox, clock):
    port = free_port()  # nothing listens here until the hub comes back: connection refused
    sender = sender_for(outbox, f"http://127.0.0.1:{port}")
    alerts_at = {timedelta(hours=5): "notice", timedelta(hours=20): "emergency", timedelta(days=1, hours=3): "urgent",
                 timedelta(days=2, hours=1): "emergency", timedelta(days=2, hours=23): "urgent"}
    tries = 0
    for tick in range(3 * 24 * 6):  # every 10 minutes for three days
        since = timedelta(minutes=10 * tick)
        clock.now = T0 + since
        outbox.put(event("heartbeat", T0 + since))
        if since.seconds == 0:
            outbox.put(event("checkin", T0 + since, slept="잘 잤어요"))
        if since in alerts_at:
            outbox.put(alert(alerts_at[since], T0 + since))
        report = sender.send_due(clock())
        tries += report.hub_away is not None
        assert report.sent == 0
    status = outbox.status()
    assert status.waiting_count == 3 * 24 * 6 + 3 + 5 and status.last_sent_at is None
    assert "cannot reach the hub" in status.last_failure.reason
    text = outbox_report(status)
    assert "waiting: 440 event(s), oldest from 2026-05-09T07:00:00+09:00 (2 d 23 h ago)" in text
    assert "alert/emergency 2, alert/urgent 2" in text and "cannot reach the hub" in text

    # Back a minute after the last try: the alerts tried while it was away must not be waiting out a backoff.
    clock.advance(seconds=61)
    with HubServer(port=port) as hub:
        while sender.send_due(clock()).more:
            pass
    assert outbox.status().waiting_count == 0 and hub.store.stats()["stored"] == 440
    received = [hub.store.events[i] for i in hub.store.order]
    levels = [e["payload"].get("level") for e in received[:4]]
    assert levels == ["emergency", "emergency", "urgent", "urgent"]
    rest = [datetime.fromisoformat(e["occurred_at"]) for e in received[4:]]
    assert rest == sorted(rest)
    assert tries > 100  # it kept trying all along, within its own backoff


def test_the_send_loop_sends_what_is_put_at_once(tmp_path):
    wall = lambda: datetime.now(KST)  # noqa: E731
    with Outbox(tmp_path / "outbox.db", wall) as box, HubServer() as hub:
        loop = SendLoop(sender_for(box, hub.url), wall, idle_s=30.0)
        thread = threading.Thread(target=loop.run)
        thread.start()
        try:
            time.sleep(0.1)  # the loop is asleep for its long pause
            e = alert("emergency", wall())
            box.put(e)
            started = time.monotonic()
            loop.wake()
            while e.id not in hub.store.events and time.monotonic() - started < 5:
                time.sleep(0.005)
            assert e.id in hub.store.events and time.monotonic() - started < 1.0
        finally:
            loop.stop()
            thread.join(timeout=5)
    assert not thread.is_alive()


# --- a full disk ------------------------------------------------------------------------

def test_a_full_disk_drops_heartbeats_first_and_alerts_still_get_in(tmp_path, clock, caplog):
    caplog.set_level(logging.WARNING, logger="anbu.outbox")
    box = Outbox(tmp_path / "outbox.db", clock, max_bytes=48 * 4096)
    stored_heartbeats = 0
    for minute in range(10_000):
        if not box.put(event("heartbeat", T0 + timedelta(minutes=minute), battery=0.9)):
            break
        stored_heartbeats += 1
    else:
        pytest.fail("the outbox never filled up")
    assert "dropped a new heartbeat" in caplog.text
    checkins = [event("checkin", T0 + timedelta(days=1, minutes=i), slept="잘 잤어요") for i in range(20)]
    alerts = [alert("emergency", T0 + timedelta(days=1, minutes=i), heard="살려 주세요") for i in range(20)]
    for e in checkins + alerts:
        assert box.put(e)
    assert "dropped the 100 oldest heartbeat event(s) to keep a new" in caplog.text
    status = box.status()
    assert status.waiting["alert/emergency"] == 20 and status.waiting["checkin"] == 20
    assert 0 < status.waiting["heartbeat"] < stored_heartbeats
    assert status.dropped["heartbeat"] == stored_heartbeats - status.waiting["heartbeat"] + 1
    assert "dropped for lack of space: heartbeat" in outbox_report(status)
    # The oldest heartbeats went; the newest are still waiting.
    heartbeats = [e for e in box.due(clock.advance(days=2), limit=10_000) if e.type == "heartbeat"]
    assert heartbeats[-1].occurred_at == T0 + timedelta(minutes=stored_heartbeats - 1)
    box.close()


def test_an_alert_pushes_out_everything_but_alerts_and_says_so_when_it_cannot(tmp_path, clock):
    box = Outbox(tmp_path / "outbox.db", clock, max_bytes=32 * 4096)
    box.put(event("summary", T0, text="하루 요약"))
    with pytest.raises(OutboxFull):
        for minute in range(10_000):
            assert box.put(alert("urgent", T0 + timedelta(minutes=minute), heard="죽고 싶어"))
    status = box.status()
    assert status.dropped == {"summary": 1} and list(status.waiting) == ["alert/urgent"]
    box.close()


# --- `speaker-app outbox` ------------------------------------------------------------------

def test_the_report_says_what_waits_what_failed_last_and_why(outbox, clock):
    assert outbox_report(outbox.status()).splitlines()[0] == "waiting: nothing, every event has reached the hub"
    e = alert("emergency", T0)
    outbox.put(e), outbox.put(event("heartbeat", T0 - timedelta(minutes=5)))
    outbox.mark_failed(e.id, "HTTP 503 Service Unavailable", clock.advance(minutes=2))
    clock.advance(hours=1, minutes=3)
    text = outbox_report(outbox.status())
    assert text.splitlines() == [
        "waiting: 2 event(s), oldest from 2026-05-09T06:55:00+09:00 (1 h 10 min ago)",
        "  alert/emergency 1, heartbeat 1",
        "last delivered: never",
        f"last failure: 2026-05-09T07:02:00+09:00 (1 h 3 min ago), alert/emergency {e.id}: HTTP 503 Service Unavailable",
    ]
