"""How a dialogue ended, from the resident's last words."""
from __future__ import annotations

from rasa_sdk import Tracker

ENDED_BY = {
    "snooze": "snoozed",
    "stop": "stopped",
    "goodbye": "stopped",
    "emergency": "interrupted",
    "despair": "interrupted",
}


def status_of(tracker: Tracker, default: str) -> str:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return ENDED_BY.get(intent, default)
