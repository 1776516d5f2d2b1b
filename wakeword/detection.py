"""Both detectors on every speech segment: is it the wake word, is it a call for help?

Detector 1 spots phrases in the recogniser's output (streaming, so the wake
word is answered while the resident is still talking); detector 2 matches
the resident's own enrolled takes (on the finished segment). Either one is
enough: the recogniser is weak on Korean, and the templates know only what
was enrolled, so together they miss less than either alone.

A hit's strength, 0..1, says how clearly it was heard, so that the triage can
escalate a strong plea at once and ask first about a weak one. The two
detectors' strengths are on different scales, so each has its own
"strong above" (EmergencyConfig.spotter_strong_above, template_strong_above):
- spotter: the log-likelihood margin of the segment read with the phrase over
  the fillers alone, divided by `PhraseSpotter.CLEAR_MARGIN` and capped at 1
  (wakeword/spotter.py); a spot whose margin is zero or less is forced speech.
- template: how far inside the phrase's own threshold the match is,
  1 - distance / threshold (wakeword/templates.py); 0 at the threshold.
bench/reports/spotting.md measures both against the false alarms.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from speaker_app.audio import AudioClip

from .spotter import PhraseSpotter, SpotStream
from .templates import TemplateDetector

WAKE, DISTRESS = "wake", "distress"
SPOTTER, TEMPLATE = "spotter", "template"


@dataclass(frozen=True)
class Hit:
    phrase: str
    detector: str  # SPOTTER or TEMPLATE
    # Measured when first asked for: a spot's strength costs two more decodings of the segment
    # (0.1-0.3 s of CPU for a few seconds of speech), which a wake word's turn should not wait for.
    measure: Callable[[], float] = field(repr=False, compare=False)
    end_s: float | None = None  # where the phrase ended in the segment, when known

    @cached_property
    def strength(self) -> float:
        """0..1: how clearly it was heard, on the detector's own scale (see above)."""
        return self.measure()


@dataclass(frozen=True)
class Detection:
    wake: Hit | None = None
    distress: Hit | None = None


class Detectors:
    def __init__(self, wake: PhraseSpotter, distress: PhraseSpotter | None = None,
                 templates: TemplateDetector | None = None, template_kinds: dict[str, str] | None = None,
                 strong_above: dict[str, float] | None = None, distress_spot_floor: float = 0.0):
        self.wake, self.distress, self.templates = wake, distress, templates
        self.template_kinds = template_kinds or {}  # enrolled name -> WAKE or DISTRESS
        self.strong_above = strong_above or {}  # detector -> the strength above which a hit is strong
        # A distress spot weaker than this is no hit at all: speech forced onto a phrase (a television's
        # "알려진" read as "살려") would otherwise make the speaker ask "괜찮으세요?" and, unanswered, escalate.
        self.distress_spot_floor = distress_spot_floor

    def stream(self) -> "DetectionStream":
        return DetectionStream(self, self.wake.stream(), self.distress.stream() if self.distress else None)

    def strong(self, hit: Hit) -> bool:
        """Heard clearly enough to act on without asking (a detector with no setting: never)."""
        return hit.strength >= self.strong_above.get(hit.detector, float("inf"))


class DetectionStream:
    def __init__(self, detectors: Detectors, wake: SpotStream, distress: SpotStream | None):
        self.detectors, self.wake, self.distress = detectors, wake, distress

    def accept(self, pcm: bytes) -> bool:
        """Feed audio; True from the moment the wake phrase has been heard."""
        if self.distress is not None:
            self.distress.accept(pcm)
        return self.wake.accept(pcm)

    def finish(self, segment: AudioClip) -> Detection:
        wake = _spotted(self.wake, self.detectors.wake, segment)
        distress = _spotted(self.distress, self.detectors.distress, segment) if self.distress else None
        if distress is not None and distress.strength < self.detectors.distress_spot_floor:
            distress = None
        match = self.detectors.templates.match(segment) if self.detectors.templates else None
        if match is not None:
            hit = Hit(match.phrase, TEMPLATE, lambda: match.margin)
            if self.detectors.template_kinds.get(match.name) == DISTRESS:
                distress = self._clearer(distress, hit)
            else:
                wake = wake or hit  # the spot knows where the wake phrase ended, the template does not
        return Detection(wake, distress)

    def _clearer(self, spotted: Hit | None, matched: Hit) -> Hit:
        """Both detectors heard it: a strong match of the resident's own takes first (her voice saying her
        phrase is the better evidence, and the spotter also spots what was not said), else the strong one."""
        if spotted is None or self.detectors.strong(matched) or not self.detectors.strong(spotted):
            return matched
        return spotted


def _spotted(stream: SpotStream, spotter: PhraseSpotter, segment: AudioClip) -> Hit | None:
    spot = stream.finish()
    return Hit(spot.phrase, SPOTTER, lambda: spotter.strength(segment), spot.end_s) if spot else None
