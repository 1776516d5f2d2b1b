"""The Rasa server, reached over its HTTP API with `requests`.

One conversation per resident: the sender id is the resident's id, so the
dialogue remembers where a check-in stands between turns. Replies come back
as text (to speak) and custom JSON payloads (what answer is expected next,
escalations, check-in and medication results) which the speaker acts on.

The speaker opens a conversation itself with a message in Rasa's "/intent"
form (dialogs/README.md): the morning check-in with `/greet`, a medication
reminder with `/greet{"medicine": "혈압약"}`. Every message carries the
resident's honorific as metadata, which the dialogue takes at the start of
each session.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests


# The openings the speaker sends on its own (dialogs/README.md, "What the speaker sends").
CHECKIN_OPENING = "/greet"
# Rasa's built-in session start: the dialogue forgets a question left unanswered
# (a form still active), so an opening that follows is not taken as its answer.
NEW_SESSION = "/session_start"


def medication_opening(medicine: str) -> str:
    return "/greet" + json.dumps({"medicine": medicine}, ensure_ascii=False)


class DialogUnavailable(RuntimeError):
    """The Rasa server did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()  # every intent the classifier weighed, likeliest first

    def confidence_of(self, intent: str) -> float:
        return dict(self.ranking).get(intent, 0.0)


@dataclass(frozen=True)
class DialogReply:
    texts: tuple[str, ...] = ()
    payloads: tuple[dict, ...] = ()

    @property
    def expect(self) -> str | None:
        """The kind of short answer the last question asks for, if any."""
        kinds = [p["expect"] for p in self.payloads if isinstance(p.get("expect"), str)]
        return kinds[-1] if kinds else None

    @property
    def asks(self) -> bool:
        """Whether the resident is expected to answer: the speaker stays awake for it."""
        return self.expect is not None or any(t.rstrip().endswith("?") for t in self.texts)


class RasaDialog:
    def __init__(self, url: str, sender: str, timeout_s: float, session: requests.Session | None = None,
                 honorific: str | None = None):
        self.url = url.rstrip("/")
        self.sender = sender
        self.timeout_s = timeout_s
        self.session = session or requests.Session()
        self.honorific = honorific

    def _post(self, path: str, body: dict):
        try:
            response = self.session.post(f"{self.url}{path}", json=body, timeout=self.timeout_s)
            response.raise_for_status()
            return response.json()
        except requests.Timeout:
            raise DialogUnavailable(f"the dialogue server at {self.url} took longer than {self.timeout_s} s") from None
        except requests.ConnectionError:
            raise DialogUnavailable(f"the dialogue server at {self.url} is not running; start it with: make demo") from None
        except (requests.HTTPError, ValueError) as error:
            raise DialogUnavailable(f"the dialogue server at {self.url} answered {path} with an error: {error}") from None

    def parse(self, text: str) -> Parse:
        result = self._post("/model/parse", {"text": text})
        intent = result.get("intent") or {}
        ranking = tuple((r["name"], float(r.get("confidence") or 0.0)) for r in result.get("intent_ranking") or ()
                        if isinstance(r, dict) and isinstance(r.get("name"), str))
        return Parse(intent.get("name") or "out_of_scope", float(intent.get("confidence") or 0.0), ranking)

    def send(self, message: str) -> DialogReply:
        body: dict = {"sender": self.sender, "message": message}
        if self.honorific:
            body["metadata"] = {"honorific": self.honorific}
        messages = self._post("/webhooks/rest/webhook", body)
        return DialogReply(
            texts=tuple(m["text"] for m in messages if m.get("text")),
            payloads=tuple(m["custom"] for m in messages if isinstance(m.get("custom"), dict)),
        )

    def start_checkin(self) -> DialogReply:
        """The morning check-in (굿모닝 콜): a greeting and its first question."""
        return self.send(CHECKIN_OPENING)

    def remind_medication(self, medicine: str) -> DialogReply:
        """Asks whether `medicine` (as the resident calls it: 혈압약) has been taken."""
        return self.send(medication_opening(medicine))
