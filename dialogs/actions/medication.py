"""The medication reminder's result for the speaker."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .outcome import status_of

SAID = {"medication_taken": "taken", "medication_not_taken": "not_yet"}
REPLY = {"taken": "utter_medication_taken", "not_yet": "utter_medication_not_taken"}


class ActionSubmitMedication(Action):
    """Sends {"medication": {"medicine", "status"}} and clears the reminder.

    status: taken | not_yet (the answer), or snoozed | stopped | interrupted
    when the reminder was put off, cut short, or a call for help came first.
    Also run when the resident says unasked that they took (or forgot) their
    medicine; the medicine is then the domain's plain 약.
    """

    def name(self) -> str:
        return "action_submit_medication"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        status = tracker.get_slot("medication") or SAID.get(intent) or status_of(tracker, default="stopped")
        if status in REPLY:
            dispatcher.utter_message(response=REPLY[status])
        dispatcher.utter_message(json_message={"medication": {"medicine": tracker.get_slot("medicine"),
                                                              "status": status}})
        plain = domain["slots"]["medicine"].get("initial_value")
        return [SlotSet("medication", None), SlotSet("medicine", plain)]
