"""Alert levels and the level each intent carries (../shared/design/INTENTS.md)."""
from __future__ import annotations

from enum import Enum


class AlertLevel(str, Enum):
    NONE = "none"
    NOTICE = "notice"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(AlertLevel).index(self)


INTENT_ALERT_LEVEL: dict[str, AlertLevel] = {
    "emergency": AlertLevel.EMERGENCY,
    "despair": AlertLevel.URGENT,
    "health_complaint": AlertLevel.NOTICE,
}


def alert_level(intent: str) -> AlertLevel:
    return INTENT_ALERT_LEVEL.get(intent, AlertLevel.NONE)
