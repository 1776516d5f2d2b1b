"""Scoring what the recogniser heard against what was said."""
from __future__ import annotations

import re


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


# Sino-Korean digit names, 0 as 공: how people read out 119 or a phone number.
DIGIT_NAMES = str.maketrans(dict(zip("0123456789", "공일이삼사오육칠팔구")))
_NUMBER_MARKUP = re.compile(r"[\[(]([^\])]*)[\])]")


def written_as_spoken(text: str) -> str:
    """Digits and the recogniser's number tokens ("[48]", "(십)") in Hangul.

    "[119] 불러 줘" and "일일구 불러 줘" are the same plea; the training data
    and the distress rules write numbers as people say them.
    """
    return _NUMBER_MARKUP.sub(r"\1", text).translate(DIGIT_NAMES)
