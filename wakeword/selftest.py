"""The installer's check: is this resident heard, by which detector, how clearly?

Each enrolled take is played back through the live audio path (loudspeaker
out, microphone in, where the device has both) or, without devices, taken
as it is; the captured audio is cut into speech segments as the live loop
would, and both detectors run on it. A take heard only weakly would make the
speaker ask first instead of calling for help at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from speaker_app.audio import AudioClip, read_wav, split_frames
from speaker_app.config import VadConfig
from speaker_app.vad import Segmenter, SpeechFrame, SpeechSegment, SpeechStarted

from .detection import DISTRESS, SPOTTER, TEMPLATE, Detectors
from .enrolment import EnrolmentStore


@dataclass(frozen=True)
class SelftestRow:
    name: str
    phrase: str
    kind: str
    take: str
    template: bool
    spotter: bool
    segments: int  # speech segments found in what was captured
    strong: bool  # some hit was strong enough to act on without asking (Detectors.strong)

    @property
    def heard(self) -> bool:
        return self.template or self.spotter


def selftest(store: EnrolmentStore, detectors: Detectors, capture: Callable[[AudioClip], AudioClip],
             vad: VadConfig, frame_ms: int) -> list[SelftestRow]:
    rows = []
    for phrase in store.phrases():
        for take in phrase.takes:
            captured = capture(read_wav(take))
            template = spotter = strong = False
            segments = 0
            stream = None
            for event in Segmenter(vad, frame_ms).segments(split_frames(captured, frame_ms)):
                if isinstance(event, SpeechStarted):
                    stream = detectors.stream()
                elif isinstance(event, SpeechFrame):
                    stream.accept(event.frame.pcm)
                elif isinstance(event, SpeechSegment):
                    segments += 1
                    found = stream.finish(event.audio)
                    hit = found.distress if phrase.kind == DISTRESS else found.wake
                    if hit is not None:
                        template |= hit.detector == TEMPLATE
                        spotter |= hit.detector == SPOTTER
                        strong |= detectors.strong(hit)
            rows.append(SelftestRow(phrase.name, phrase.phrase, phrase.kind, take.name, template, spotter, segments,
                                    strong))
    return rows


def report(rows: list[SelftestRow], path_name: str) -> str:
    lines = [f"self-test through {path_name}",
             f"{'phrase':<22} {'take':<18} {'template':<9} {'spotter':<8} result"]
    mark = {True: "yes", False: "no"}
    for row in rows:
        result = ("heard, strong" if row.strong else "heard, weak: would ask first") if row.heard else "MISSED"
        lines.append(f"{row.name + ' (' + row.kind + ')':<22} {row.take:<18} {mark[row.template]:<9} "
                     f"{mark[row.spotter]:<8} {result}")
    missed = [r for r in rows if not r.heard]
    lines.append(f"{len(rows) - len(missed)} of {len(rows)} takes heard, {sum(r.strong for r in rows)} strongly"
                 + ("" if not missed else "; re-enrol the missed phrases, closer to the speaker or in a quieter room"))
    return "\n".join(lines)
