"""The speaker's local record of the day: turns, check-ins, doses, alerts, summaries.

SQLite in WAL mode with synchronous=FULL, so what was committed survives a
power cut. The schema carries its version (PRAGMA user_version) and is
brought up to date by the migrations below, in order, at open. Raw audio is
never stored; transcripts are, for a configurable number of days.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

MIGRATIONS = [
    """
    CREATE TABLE turns (at TEXT NOT NULL, heard TEXT NOT NULL, intent TEXT, alert_level TEXT, routine TEXT);
    CREATE TABLE checkins (at TEXT NOT NULL, answers TEXT NOT NULL, complete INTEGER NOT NULL);
    CREATE TABLE doses (medicine TEXT NOT NULL, due_at TEXT NOT NULL, status TEXT NOT NULL, settled_at TEXT,
                        PRIMARY KEY (medicine, due_at));
    CREATE TABLE alerts (at TEXT NOT NULL, level TEXT NOT NULL, reason TEXT NOT NULL, heard TEXT);
    CREATE TABLE summaries (day TEXT PRIMARY KEY, text TEXT NOT NULL, data TEXT NOT NULL);
    """,
    # When the microphone last heard any speech at all: one row, kept up to date, never the words.
    """
    CREATE TABLE speech_heard (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
    """,
]


class Store:
    def __init__(self, path: Path | str):
        if str(path) != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = Path(path).expanduser()
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    # --- what happened -----------------------------------------------------------

    def turn(self, at: datetime, heard: str, intent: str | None, alert_level: str | None, routine: str | None) -> None:
        self.db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (at.isoformat(), heard, intent, alert_level, routine))

    def checkin(self, at: datetime, answers: dict, complete: bool) -> None:
        self.db.execute("INSERT INTO checkins VALUES (?, ?, ?)",
                        (at.isoformat(), json.dumps(answers, ensure_ascii=False), int(complete)))

    def dose_due(self, medicine: str, due_at: datetime) -> None:
        self.db.execute("INSERT OR IGNORE INTO doses VALUES (?, ?, 'pending', NULL)", (medicine, due_at.isoformat()))

    def dose_settled(self, medicine: str, due_at: datetime, status: str, at: datetime) -> None:
        self.db.execute("UPDATE doses SET status = ?, settled_at = ? WHERE medicine = ? AND due_at = ?",
                        (status, at.isoformat(), medicine, due_at.isoformat()))

    def dose_status(self, medicine: str, due_at: datetime) -> str | None:
        row = self.db.execute("SELECT status FROM doses WHERE medicine = ? AND due_at = ?",
                              (medicine, due_at.isoformat())).fetchone()
        return row[0] if row else None

    def alert(self, at: datetime, level: str, reason: str, heard: str | None) -> None:
        self.db.execute("INSERT INTO alerts VALUES (?, ?, ?, ?)", (at.isoformat(), level, reason, heard))

    def speech_heard(self, at: datetime) -> None:
        self.db.execute("INSERT INTO speech_heard VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at "
                        "WHERE excluded.at > speech_heard.at", (at.isoformat(),))

    def summary(self, day: str, text: str, data: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?)",
                        (day, text, json.dumps(data, ensure_ascii=False)))

    # --- what the routines ask ---------------------------------------------------

    def last_turn_at(self) -> datetime | None:
        row = self.db.execute("SELECT max(at) FROM turns").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def last_speech_at(self) -> datetime | None:
        """Speech of anyone, or of a television: a turn with the speaker is speech too."""
        row = self.db.execute("SELECT max(at) FROM (SELECT at FROM speech_heard UNION ALL SELECT max(at) FROM turns)"
                              ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def turns_between(self, start: datetime, end: datetime) -> list[tuple[str, str, str | None, str | None]]:
        return self.db.execute("SELECT at, heard, intent, alert_level FROM turns WHERE at >= ? AND at < ? ORDER BY at",
                               (start.isoformat(), end.isoformat())).fetchall()

    def checkins_between(self, start: datetime, end: datetime) -> list[dict]:
        rows = self.db.execute("SELECT answers, complete FROM checkins WHERE at >= ? AND at < ? ORDER BY at",
                               (start.isoformat(), end.isoformat())).fetchall()
        return [dict(json.loads(answers), complete=bool(complete)) for answers, complete in rows]

    def doses_between(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT medicine, due_at, status FROM doses WHERE due_at >= ? AND due_at < ? "
                               "ORDER BY due_at", (start.isoformat(), end.isoformat())).fetchall()

    def alerts_between(self, start: datetime, end: datetime) -> list[tuple[str, str, str, str | None]]:
        return self.db.execute("SELECT at, level, reason, heard FROM alerts WHERE at >= ? AND at < ? ORDER BY at",
                               (start.isoformat(), end.isoformat())).fetchall()

    def forget_transcripts_before(self, before: datetime) -> None:
        """Keeps the intents, drops what was said (turns, alerts, check-in answers, the complaints a summary
        quotes): kept only for a while."""
        cutoff = before.isoformat()
        self.db.execute("BEGIN")
        rows = self.db.execute("SELECT rowid, answers FROM checkins WHERE at < ?", (cutoff,)).fetchall()
        self.db.execute("UPDATE turns SET heard = '' WHERE at < ?", (cutoff,))
        self.db.execute("UPDATE alerts SET heard = NULL WHERE at < ?", (cutoff,))
        for rowid, answers in rows:
            unsaid = {topic: {k: v for k, v in answer.items() if k != "said"}
                      for topic, answer in json.loads(answers).items()}
            self.db.execute("UPDATE checkins SET answers = ? WHERE rowid = ?",
                            (json.dumps(unsaid, ensure_ascii=False), rowid))
        # A summary quotes the day's complaints; it keeps that there were some, not the words.
        for day, text, data in self.db.execute("SELECT day, text, data FROM summaries WHERE day < ?",
                                               (before.date().isoformat(),)).fetchall():
            data = json.loads(data)
            said = data.get("health_complaints") or []
            for words in said:
                text = text.replace(words, "…")
            data["health_complaints"] = ["…"] * len(said)
            self.db.execute("UPDATE summaries SET text = ?, data = ? WHERE day = ?",
                            (text, json.dumps(data, ensure_ascii=False), day))
        self.db.execute("COMMIT")
