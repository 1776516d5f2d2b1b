"""The time and the date in Korean words, as the speech synthesiser must read them (no rasa_sdk here,
so that the tests can check the action's answer against the clock)."""
from __future__ import annotations

import datetime as dt

_DIGITS = ["", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]
# Hours are counted in native Korean numbers (아홉 시), minutes and dates in Sino-Korean (오 분, 이십오 일).
_HOURS = ["열두", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열", "열한"]
_MONTHS = {6: "유월", 10: "시월"}  # read without the final consonant
_WEEKDAYS = ["월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"]


def sino(n: int) -> str:
    """1..99 in Sino-Korean words: 25 -> 이십오."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "십" if tens else "") + _DIGITS[ones]


def _part_of_day(hour: int) -> str:
    # As people say it: 새벽 세 시, 저녁 일곱 시, 밤 열두 시 rather than 오전 / 오후 alone.
    if hour == 0 or hour >= 21:
        return "밤"
    return "새벽" if hour < 6 else "오전" if hour < 12 else "오후" if hour < 18 else "저녁"


def time_words(now: dt.datetime) -> str:
    half = _part_of_day(now.hour)
    minutes = f" {sino(now.minute)} 분" if now.minute else ""
    return f"{half} {_HOURS[now.hour % 12]} 시{minutes}"


def date_words(now: dt.datetime) -> str:
    month = _MONTHS.get(now.month, f"{sino(now.month)}월")
    return f"{month} {sino(now.day)}일 {_WEEKDAYS[now.weekday()]}"


def is_(word: str) -> str:
    """The copula after `word`: 이에요 after a final consonant, 예요 after a vowel."""
    last = ord(word[-1]) - 0xAC00
    return "이에요" if 0 <= last < 11172 and last % 28 else "예요"


def clock_sentence(now: dt.datetime) -> str:
    time, date = time_words(now), date_words(now)
    return f"지금은 {time}{is_(time)}. 오늘은 {date}{is_(date)}."
