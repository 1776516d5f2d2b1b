"""A new session takes the resident's honorific from the speaker."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# A name the speaker reads out in every reply: anything longer is not a form of address.
MAX_HONORIFIC = 20


class ActionSessionStart(Action):
    """The speaker sends {"metadata": {"honorific": "..."}} with its messages; Rasa hands this
    action the metadata of the first message of a session. Without it, the honorific of the
    previous session (or the domain's 어르신) stays. Nothing else carries over: a check-in or a
    reminder left open an hour ago is not resumed."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        metadata = tracker.get_slot("session_started_metadata") or {}
        honorific = metadata.get("honorific") if isinstance(metadata, dict) else None
        if not (isinstance(honorific, str) and 0 < len(honorific.strip()) <= MAX_HONORIFIC):
            honorific = tracker.get_slot("honorific")
        events: list[EventType] = [SessionStarted()]
        if honorific:
            events.append(SlotSet("honorific", honorific.strip()))
        events.append(ActionExecuted("action_listen"))
        return events
