"""Whether someone at the care hub has taken an alert in hand: GET {hub}/api/v1/alerts/{event id}.

The hub answers with the alert's state and, once someone acknowledged it, a
Korean sentence for the speaker to say (`say`: who is coming or calling). A
404 means the alert has not reached the hub yet (it may still be in the
outbox); that, a timeout or a dead network all read as "not acknowledged
yet": the desk asks again later, and the hub's silence is what its 119
guidance is for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from .sender import Hub

log = logging.getLogger("anbu.acknowledgement")

ALERTS_PATH = "/api/v1/alerts/"


@dataclass(frozen=True)
class AlertState:
    status: str  # open, acknowledged, resolved (the hub's words)
    say: str | None  # what the speaker tells the resident; None until someone acknowledged

    @property
    def acknowledged(self) -> bool:
        return self.say is not None or self.status in ("acknowledged", "resolved")


class HubAlerts:
    def __init__(self, hub: Hub, session: requests.Session):
        self.hub, self.session = hub, session

    def state(self, event_id: str) -> AlertState | None:
        """The alert's state at the hub; None when the hub does not have it or cannot be asked now."""
        try:
            response = self.session.get(self.hub.url.rstrip("/") + ALERTS_PATH + event_id, timeout=self.hub.timeout_s,
                                        headers={"Authorization": f"Bearer {self.hub.token}"})
        except requests.RequestException as error:
            log.info("cannot ask the hub about alert %s: %s", event_id, error)
            return None
        if response.status_code != 200:
            if response.status_code != 404:
                log.warning("the hub answered %s about alert %s: %s", response.status_code, event_id,
                            response.text[:200])
            return None
        try:
            body = response.json()
            return AlertState(str(body["status"]), body.get("say") or None)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("the hub's answer about alert %s is not an alert state: %s", event_id, error)
            return None
