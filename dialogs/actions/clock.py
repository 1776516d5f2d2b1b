"""The time and the date, answered from the device's clock."""
from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .korean_clock import clock_sentence


class ActionTellTime(Action):
    def name(self) -> str:
        return "action_tell_time"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(text=clock_sentence(dt.datetime.now()))
        return []
