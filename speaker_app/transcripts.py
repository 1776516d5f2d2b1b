"""Scoring what the recogniser heard against what was said."""
from __future__ import annotations


def character_errors(reference: str, hypothesis: str) -> int:
    """Edit distance over characters, spaces ignored: the recogniser's spacing is its own."""
    ref, hyp = "".join(reference.split()), "".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    length = len("".join(reference.split()))
    return character_errors(reference, hypothesis) / length if length else float(bool(hypothesis.strip()))
