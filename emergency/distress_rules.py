"""Text rules for calls for help, applied to every transcript.

The dialogue's classifier is confident and wrong often enough ("살려 주셔서
감사합니다" comes out as an emergency at 0.99; "불이야" as small talk) that a
plea cannot rest on it alone. These rules read the text as the recogniser
writes it: no punctuation, and spaces anywhere or nowhere, so they match on
the text with its spaces removed.

A rule that fires wins over the classifier; what the rules exclude (thanks,
reported speech, hyperbole) they leave to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .levels import AlertLevel


@dataclass(frozen=True)
class DistressMatch:
    intent: str
    level: AlertLevel
    rule: str  # the pattern that fired, for the log and the alert


_EMERGENCY = [
    r"살려",
    r"도와(주세요|줘요?|주이소|도|달라)(?!서)",
    r"구해(주세요|줘요?|주이소|달라)",
    r"사람(좀)?살려",
    r"(119|일일구)(좀)?(불러|전화|신고)",
    r"구급차(?!가?지나|소리|를?타고|에실려|실려)",  # not the one passing by or the one someone rode in
    r"(넘어졌|쓰러졌|자빠졌|미끄러졌)",
    r"(계단|층계)에서?(굴렀|굴러)",
    r"(못|안)일어나",
    r"일어날수가?없",
    r"숨(이|을)?(안|못)(쉬|셔)",
    r"숨막혀|숨이막",
    r"가슴이(너무|많이)?(아파|조여|답답)",
    r"불이야|불났(?!나)",  # 어디 불 났나: wondering about sirens
    r"가스(가)?(냄새|새)",
    r"(?<!커)피(가|이)?(너무|많이|철철|계속|막|펑펑)*(나|흘|쏟|안멈|멈추지)",  # not 커피나 한잔
    r"(도둑|강도)(이?야|이다|들었)",
]
_DESPAIR = [
    r"죽고싶",
    r"죽어버리고",
    r"살기(싫|가싫)",
    r"살고싶지않",
    r"그만살",
    r"(삶|인생|사는것|사는게|살아있는것|살아있는게|살아있는)(이|은|가|도|는)?(다|아무)?((의미|소용)(가|이|도)?없|무슨소용|무슨의미)",
    r"죽을생각|죽고싶은생각|죽을궁리",
    r"(빨리|얼른)죽어야",
    # going to sleep and not waking is how a wish to die is often put
    r"(안|못)깨(어)?났으면|안깼으면|(영영|이대로|그냥|그만|편히)눈(을)?감|다시는(눈을?)?(안|못)(떴|깨어났|깼|일어났)",
    r"세상에미련이없",
    r"(목숨|생)을?끊",
]
# Every syllable ending in ㅆ (했, 갔, 렀, 졌, ...): the past tense, whatever the stem.
_PAST = "[" + "".join(chr(c) for c in range(0xAC00, 0xD7A4) if (c - 0xAC00) % 28 == 20) + "]"
# What makes the same words harmless: thanks, someone else's words, the television.
# 고마 alone is also 경상 for "just" or "stop" (고마 죽었으면, 고마 해라), so thanks is 고마워/고마운/고맙.
_HARMLESS = [
    r"고마[워웠운와]|고맙", r"감사",
    # someone else's words (-라고, -다고, -더라, -대) and a story told (-었었)
    rf"(라고|라던|다고|더라|카던데|카[대네데]|한대|했대|다며|({_PAST}|찮)대요?$|{_PAST}었)",
    r"(티비|텔레비|테레비|드라마|뉴스|영화)",
]


def _compile(patterns: list[str]) -> list[re.Pattern]:
    return [re.compile(p) for p in patterns]


_RULES = [("emergency", AlertLevel.EMERGENCY, _compile(_EMERGENCY)),
          ("despair", AlertLevel.URGENT, _compile(_DESPAIR))]
_HARMLESS_RULES = _compile(_HARMLESS)


def check(text: str) -> DistressMatch | None:
    squeezed = "".join(text.split())
    if any(rule.search(squeezed) for rule in _HARMLESS_RULES):
        return None
    for intent, level, rules in _RULES:
        for rule in rules:
            if rule.search(squeezed):
                return DistressMatch(intent, level, rule.pattern)
    return None
