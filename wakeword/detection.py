"""Both detectors on every speech segment: is it the wake word, is it a call for help?

Detector 1 spots phrases in the recogniser's output (streaming, so the wake
word is answered while the resident is still talking); detector 2 matches
the resident's own enrolled takes (on the finished segment). Either one is
enough: the recogniser is weak on Korean, and the templates know only what
was enrolled, so together they miss less than either alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from speaker_app.audio import AudioClip

from .spotter import PhraseSpotter, Spot, SpotStream
from .templates import TemplateDetector

WAKE, DISTRESS = "wake", "distress"


@dataclass(frozen=True)
class Hit:
    phrase: str
    detector: str  # "spotter" or "template"
    strength: float  # 0..1: how clearly it was heard, for the triage
    end_s: float | None = None  # where the phrase ended in the segment, when known


@dataclass(frozen=True)
class Detection:
    wake: Hit | None = None
    distress: Hit | None = None


class Detectors:
    def __init__(self, wake: PhraseSpotter, distress: PhraseSpotter | None = None,
                 templates: TemplateDetector | None = None, template_kinds: dict[str, str] | None = None):
        self.wake, self.distress, self.templates = wake, distress, templates
        self.template_kinds = template_kinds or {}  # enrolled name -> WAKE or DISTRESS

    def stream(self) -> "DetectionStream":
        return DetectionStream(self, self.wake.stream(), self.distress.stream() if self.distress else None)


class DetectionStream:
    def __init__(self, detectors: Detectors, wake: SpotStream, distress: SpotStream | None):
        self.detectors, self.wake, self.distress = detectors, wake, distress

    def accept(self, pcm: bytes) -> bool:
        """Feed audio; True from the moment the wake phrase has been heard."""
        if self.distress is not None:
            self.distress.accept(pcm)
        return self.wake.accept(pcm)

    def finish(self, segment: AudioClip) -> Detection:
        wake = _spotted(self.wake.finish())
        distress = _spotted(self.distress.finish()) if self.distress else None
        match = self.detectors.templates.match(segment) if self.detectors.templates else None
        if match is not None:
            hit = Hit(match.phrase, "template", match.margin)
            if self.detectors.template_kinds.get(match.name) == DISTRESS:
                distress = distress or hit
            else:
                wake = wake or hit
        return Detection(wake, distress)


def _spotted(spot: Spot | None) -> Hit | None:
    # The grammar spotter gives no usable score yet (word confidences are ~1.0 at
    # the model's lattice beam), so a spotted phrase counts as clearly heard.
    return Hit(spot.phrase, "spotter", 1.0, spot.end_s) if spot else None
