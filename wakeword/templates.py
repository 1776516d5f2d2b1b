"""The second detector: the resident's own voice, matched by dynamic time warping.

At installation the resident says each phrase (the wake word, a few calls for
help of their choosing) three times; those takes are the templates. Every
speech segment is compared with every take: the take is slid along the
segment, stretched or squeezed up to twice or half its speed; the best
alignment's worst third (its mean frame distance) is the take's score (lower
is closer). This is how Rhasspy's Raven works (Raven scores the whole
alignment's mean; the worst third is ours), and it needs no recogniser: it
hears dialect, slurred speech or a word the model does not know as well as
anything else, because it compares sounds with sounds.

A phrase counts as heard when at least two of its takes (all of them if it
has fewer) are closer than its threshold, so one odd take cannot set it off.

Each phrase has its own threshold, set at enrolment from the takes
themselves: how far the resident's takes lie from each other (`take_spread`)
plus a margin per phrase list (the configuration's sensitivity). A resident
who says a phrase differently each time gets a looser threshold, with no
benchmark run on their voice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from speaker_app.audio import AudioClip

from .features import mfcc

# The distance below which a segment is taken for a take of the phrase when
# no threshold is given for it. bench/reports/spotting.md (espeak-ng voices,
# one threshold for every phrase) found no false alarm in three resident-hours at 0.3.
DEFAULT_THRESHOLD = 0.3
THIRDS = 3


@dataclass(frozen=True)
class Template:
    """One enrolled take of a phrase, as features."""

    name: str
    phrase: str
    features: np.ndarray


@dataclass(frozen=True)
class TemplateMatch:
    name: str
    phrase: str
    distance: float  # the deciding take's distance: lower is closer
    threshold: float

    @property
    def margin(self) -> float:
        """How far inside the threshold, 0..1: the triage can ask first when it is small."""
        return max(0.0, 1.0 - self.distance / self.threshold)


def alignment_distance(template: np.ndarray, segment: np.ndarray) -> float:
    """How far the segment is from the template, at the closest place it could be said in it.

    Subsequence DTW with steps (1,1), (2,1) and (1,2) finds the alignment of
    the template anywhere in the segment with the lowest average frame
    (cosine) distance. Each column of the cost table depends only on the two
    before it, so it is computed one template frame at a time over all
    segment frames at once. The score is not that average, though, but the
    worst of the template's thirds along that alignment: every part of the
    phrase must be heard. A phrase that shares only its ending with other
    speech (넘어졌어요 and 잃어버렸어요) matches it closely on average and
    poorly in one third; bench/reports/spotting.md measures the difference.
    """
    m, n = len(template), len(segment)
    if m < 2 or n < (m + 1) // 2:
        return float("inf")
    cost = 1 - _unit(segment) @ _unit(template).T  # n x m cosine distances
    total = np.full((n, m), np.inf)
    steps = np.zeros((n, m))
    came_by = np.zeros((n, m), np.int8)  # which step reached each cell: an index into STEPS
    total[:, 0], steps[:, 0] = cost[:, 0], 1  # the phrase may start anywhere in the segment
    for j in range(1, m):
        options = [(np.full(n, np.inf), np.zeros(n)) for _ in range(3)]
        options[0][0][1:] = total[:-1, j - 1] + cost[1:, j]
        options[0][1][1:] = steps[:-1, j - 1] + 1
        options[1][0][2:] = total[:-2, j - 1] + cost[1:-1, j] + cost[2:, j]
        options[1][1][2:] = steps[:-2, j - 1] + 2
        if j >= 2:
            options[2][0][1:] = total[:-1, j - 2] + cost[1:, j - 1] + cost[1:, j]
            options[2][1][1:] = steps[:-1, j - 2] + 2
        sums = np.stack([o[0] for o in options])
        counts = np.stack([o[1] for o in options])
        with np.errstate(invalid="ignore", divide="ignore"):
            best = np.argmin(np.where(counts > 0, sums / np.maximum(counts, 1), np.inf), axis=0)
        total[:, j] = sums[best, np.arange(n)]
        steps[:, j] = counts[best, np.arange(n)]
        came_by[:, j] = best
    with np.errstate(invalid="ignore", divide="ignore"):
        averages = np.where(steps[:, -1] > 0, total[:, -1] / np.maximum(steps[:, -1], 1), np.inf)
    end = int(np.argmin(averages))
    if not np.isfinite(averages[end]):
        return float("inf")
    return worst_third(cost, came_by, end)


# Each step back from a cell: the cells it passes through on the way (segment, template offsets) and where it lands.
STEPS = (((0, 0),), ((0, 0), (-1, 0)), ((0, 0), (0, -1)))
LANDS = ((-1, -1), (-2, -1), (-1, -2))


def worst_third(cost: np.ndarray, came_by: np.ndarray, end: int) -> float:
    """The highest mean cost over the template's thirds, along the alignment that ends at segment frame `end`."""
    m = cost.shape[1]
    sums, counts = np.zeros(THIRDS), np.zeros(THIRDS)
    i, j = end, m - 1
    while j > 0:
        step = came_by[i, j]
        for di, dj in STEPS[step]:
            third = (j + dj) * THIRDS // m
            sums[third] += cost[i + di, j + dj]
            counts[third] += 1
        i, j = i + LANDS[step][0], j + LANDS[step][1]
    if j == 0:
        sums[0] += cost[i, 0]
        counts[0] += 1
    return float(np.max(sums / np.maximum(counts, 1)))


def take_spread(takes: Sequence[np.ndarray]) -> float:
    """How far a resident's takes of one phrase lie from each other.

    Each take is held out and matched against the others as the detector
    would decide (the second-closest of them; the closest when one is left);
    the spread is the farthest held-out take.
    """
    if len(takes) < 2:
        raise ValueError("the spread of a phrase needs at least two takes")
    held_out = []
    for i, take in enumerate(takes):
        others = sorted(alignment_distance(other, take) for j, other in enumerate(takes) if j != i)
        held_out.append(others[min(1, len(others) - 1)])
    return float(max(held_out))


def _unit(features: np.ndarray) -> np.ndarray:
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-9)


class TemplateDetector:
    def __init__(self, templates: Sequence[Template], thresholds: dict[str, float] | None = None):
        self.templates = list(templates)
        self.thresholds = thresholds or {}

    def threshold(self, name: str) -> float:
        return self.thresholds.get(name, DEFAULT_THRESHOLD)

    def distances(self, segment: AudioClip) -> dict[str, list[float]]:
        """Each enrolled phrase's take distances to this segment, closest first."""
        features = mfcc(segment)
        found: dict[str, list[float]] = {}
        for template in self.templates:
            found.setdefault(template.name, []).append(alignment_distance(template.features, features))
        return {name: sorted(values) for name, values in found.items()}

    def match(self, segment: AudioClip) -> TemplateMatch | None:
        """The closest phrase heard in the segment, if any."""
        phrases = {t.name: t.phrase for t in self.templates}
        best: TemplateMatch | None = None
        for name, values in self.distances(segment).items():
            deciding = values[min(1, len(values) - 1)]  # the second-closest take: two must agree
            threshold = self.threshold(name)
            if deciding < threshold and (best is None or deciding / threshold < best.distance / best.threshold):
                best = TemplateMatch(name, phrases[name], deciding, threshold)
        return best
