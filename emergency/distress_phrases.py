"""Ways people call for help, as they say them: what the phrase spotter listens for.

Plain and polite, short and long, with dialect. They are spotted in the
audio of every speech segment, wake word or not (wakeword/spotter.py), and
spelled into the recogniser's word pieces at start-up, so a phrase the model
cannot spell stops the speaker then rather than failing silently later.
"""
from __future__ import annotations

DISTRESS_PHRASES: list[str] = [
    # pleas
    "살려줘", "살려 주세요", "살려 줘요", "사람 살려", "사람 살려 주세요", "누가 좀 살려 줘",
    "도와줘", "도와주세요", "도와 줘요", "누가 좀 도와줘", "제발 도와주세요", "도와 주이소", "살려 주이소",
    # asking for rescue
    "119 불러 줘", "119 불러 주세요", "119 좀 불러 줘", "구급차 불러 줘", "구급차 불러 주세요", "구급차",
    "병원 데려가 줘", "빨리 와 줘", "빨리 와 주세요",
    # falls
    "넘어졌어", "넘어졌어요", "못 일어나겠어", "못 일어나겠어요", "일어날 수가 없어", "넘어져서 못 일어나",
    "쓰러졌어", "다리를 못 움직이겠어",
    # breathing and the heart
    "숨이 안 쉬어져", "숨을 못 쉬겠어", "숨이 막혀", "가슴이 아파", "가슴이 너무 아파", "가슴이 답답해",
    # fire, gas, blood, intruders
    "불이야", "불났어", "불이 났어요", "가스 냄새 나", "피가 안 멈춰", "피가 많이 나", "도둑이야",
    # dialect
    "아이고 사람 살리소", "내 좀 살려 도", "아파 죽겠다 좀 와 봐라",
]
