"""The morning check-in (굿모닝 콜): what each answer fills, and the result for the speaker."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .outcome import status_of

TOPICS = ["sleep", "meal", "mood", "pain", "pain_detail"]
ACKNOWLEDGE = {
    "sleep": {"good": "utter_sleep_good", "bad": "utter_sleep_bad"},
    "meal": {"done": "utter_meal_done", "skipped": "utter_meal_skipped"},
}
MOOD_ACKNOWLEDGE = {"mood_good": "utter_mood_good", "affirm": "utter_mood_good", "mood_bad": "utter_mood_bad",
                    "deny": "utter_mood_bad", "lonely": "utter_lonely"}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ValidateCheckinForm(FormValidationAction):
    def name(self) -> str:
        return "validate_checkin_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        others = [slot for slot in domain_slots if slot != "pain_detail"]
        if tracker.get_slot("pain") in (None, "none"):
            return others
        # The one follow-up comes straight after the answer that mentioned the pain.
        return ["pain_detail"] + others

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        filled = [e["name"] for e in events
                  if e.get("event") == "slot" and e["name"] in TOPICS and e["value"] is not None]
        if filled:
            answer = {"answer": tracker.latest_message.get("text"), "intent": _intent(tracker)}
            answers = list(tracker.get_slot("checkin_answers") or [])
            answers += [{"topic": slot, **answer} for slot in filled]
            events.append(SlotSet("checkin_answers", answers))
        return events

    def validate_sleep(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        dispatcher.utter_message(response=ACKNOWLEDGE["sleep"][value])
        return {"sleep": value}

    def validate_meal(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        dispatcher.utter_message(response=ACKNOWLEDGE["meal"][value])
        return {"meal": value}

    def validate_mood(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        # A complaint in answer to "how do you feel" is acknowledged as pain, by validate_pain.
        response = MOOD_ACKNOWLEDGE.get(_intent(tracker))
        if response:
            dispatcher.utter_message(response=response)
        return {"mood": value}

    def validate_pain(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        if value not in ("none", "yes"):
            dispatcher.utter_message(response="utter_pain_heard")
        return {"pain": value}

    def validate_pain_detail(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        # "/out_of_scope" is the speaker saying it did not catch the words: ask again.
        if value.startswith("/"):
            dispatcher.utter_message(response="utter_default")
            return {"pain_detail": None}
        dispatcher.utter_message(response="utter_pain_noted")
        return {"pain_detail": value}


class ActionSubmitCheckin(Action):
    """Sends {"checkin": {...}} when the check-in ends, however it ends, and clears it.

    status: done | snoozed | stopped | interrupted (by a call for help). The
    speaker stores it; a snoozed check-in is asked again from the start.
    """

    def name(self) -> str:
        return "action_submit_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        status = status_of(tracker, default="done")
        result = {"status": status, **{slot: tracker.get_slot(slot) for slot in TOPICS},
                  "answers": tracker.get_slot("checkin_answers") or []}
        if status == "done":
            dispatcher.utter_message(response="utter_checkin_done")
        dispatcher.utter_message(json_message={"checkin": result})
        return [SlotSet(slot, None) for slot in TOPICS + ["checkin_answers"]]
