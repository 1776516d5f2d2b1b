"""The short answers each kind of question expects, as people say them.

The dialogue marks a question with the kind of answer it wants (a custom
payload `{"expect": "sleep"}`); the recogniser then tries a narrowed grammar
of these phrases first. They are written as people say them and spelled
into the model's word pieces at start-up; a phrase the model cannot spell
stops the speaker at start-up, not in the middle of a morning call.
"""
from __future__ import annotations

_YES = ["네", "예", "응", "그래요", "맞아요", "그럼요"]
_NO = ["아니요", "아니", "아니오", "아니에요"]

EXPECTED_ANSWERS: dict[str, list[str]] = {
    "yes_no": _YES + _NO,
    "sleep": ["잘 잤어요", "잘 잤어", "푹 잤어요", "못 잤어요", "잠을 못 잤어요", "잘 못 잤어요"] + _YES + _NO,
    "meal": ["먹었어요", "먹었어", "밥 먹었어요", "안 먹었어요", "아직 안 먹었어요", "아직이요"] + _YES + _NO,
    "mood": ["좋아요", "괜찮아요", "좋아", "안 좋아요", "그저 그래요", "기분이 좋아요", "우울해요"],
    "pain": ["없어요", "괜찮아요", "네 아파요", "머리가 아파요", "허리가 아파요", "무릎이 아파요", "조금 아파요",
             "많이 아파요"] + _YES + _NO,
}


# A bare yes or no, whatever was asked: the classifier, whose syllable features also see the 네 of 가네 and
# 했네, can put even "네" just under the cut-off.
YES_OR_NO: dict[str, str] = {"".join(w.split()): "affirm" for w in _YES} | {"".join(w.split()): "deny" for w in _NO}


def expected_phrases(kind: str | None) -> list[str]:
    """An unknown kind means no narrowed grammar: the open vocabulary only."""
    return EXPECTED_ANSWERS.get(kind or "", [])
