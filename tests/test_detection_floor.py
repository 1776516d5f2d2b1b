"""How the two detectors' hits are combined: the floor under a distress spot, and which hit wins.

The spotters here are stand-ins that report a given spot and strength: what is tested is the rule that
combines hits, not recognition (tests/test_templates.py and tests/test_recognition_real_speech.py do that).
"""
import pytest

from speaker_app.audio import AudioClip
from wakeword.detection import SPOTTER, TEMPLATE, Detectors
from wakeword.spotter import Spot

SECOND = AudioClip(bytes(16000 * 2))


class SpotterSaying:
    """A spotter that spots `phrase` (or nothing) with the given strength."""

    def __init__(self, phrase: str | None, strength: float):
        self.phrase, self._strength = phrase, strength

    def stream(self):
        return self

    def accept(self, pcm: bytes) -> bool:
        return False

    def finish(self):
        return Spot(self.phrase, 0.0, 1.0) if self.phrase else None

    def strength(self, segment: AudioClip) -> float:
        return self._strength


def distress_heard(strength: float, floor: float):
    detectors = Detectors(SpotterSaying(None, 0.0), SpotterSaying("살려 주세요", strength),
                          strong_above={SPOTTER: 0.8, TEMPLATE: 0.3}, distress_spot_floor=floor)
    stream = detectors.stream()
    stream.accept(SECOND.pcm)
    return stream.finish(SECOND).distress


@pytest.mark.parametrize("strength, heard", [(0.1, False), (0.29, False), (0.3, True), (0.5, True), (0.9, True)])
def test_a_distress_spot_below_the_floor_is_no_hit(strength, heard):
    assert (distress_heard(strength, floor=0.3) is not None) == heard


def test_without_a_floor_every_spot_counts():
    assert distress_heard(0.01, floor=0.0) is not None
