"""The distress rules on transcripts as the recogniser writes them (text side, no audio)."""
import pytest

from emergency.distress_rules import check
from emergency.levels import AlertLevel


@pytest.mark.parametrize("text", [
    "살려 주세요", "살려줘", "사람 살려", "도와 주세요", "도와주 세요", "일일 구 불러 줘", "119 불러줘",
    "구급차 좀 불러 줘", "넘어졌 어 못 일어나 겠어", "나 좀 봐줘 일어날 수가 없어", "숨 이 안 쉬어 져",
    "가슴 이 너무 아파", "불이 야", "불났 어", "가스 냄새 가 나", "가스 가 새 나 봐", "피 가 안 멈춰", "구해 줘",
    "피 가 너무 많이 흘러", "피가 철철 쏟아 져", "불 났 어 빨리", "강도 야 강도",
    "층계 에서 굴렀 어", "넘어져 가 피 나",
])
def test_pleas_are_emergencies(text):
    match = check(text)
    assert match is not None and match.level is AlertLevel.EMERGENCY, text


@pytest.mark.parametrize("text", ["죽고 싶 어", "이제 그만 살 고 싶다", "살기 싫 어", "사는 게 의미 가 없어",
                                  "사는 게 다 무슨 소용 이 있 나", "세상 에 미련 이 없어",
                                  "죽을 생각 만 나", "인생 이 무슨 의미 가 있 노", "자다가 안 깼 으면 좋겠 어",
                                  "얼른 죽어야 될 텐데", "고마 죽고 싶 다"])
def test_wishes_to_die_are_urgent(text):
    match = check(text)
    assert match is not None and match.level is AlertLevel.URGENT, text


@pytest.mark.parametrize("text", [
    "도와줘서 고마워", "살려 주셔서 감사합니다", "티비 에서 살려 달라고 하더라", "더워 죽겠 네",
    "불 좀 꺼 줘", "노래 불러 줘", "잘 잤어요", "밥 먹었 어요", "배고파 죽겠다", "",
    "옆집 할아버지 가 쓰러 졌 대", "아랫집 에 도둑 들었 다 카 더라",
    "구급차 가 지나 가네", "구급차 소리 가 나네", "가스 냄새 난다고 하던데", "소방차 소리 나네 어디 불 났나",
    "영감 넘어 졌을 때 119 불렀었지", "친구 가 쓰러 졌 대요", "인생 이 의미 가 있지", "빨리 가야지 장 서는 날 이야",
    "커피 나 한잔 마실까", "피곤 해서 낮잠 잤어", "피난 갔던 생각 이 나", "내일 은 다시 안 깨워 줘도 돼",
    "졸려서 눈 좀 감았으면",
])
def test_everyday_speech_is_not_a_plea(text):
    assert check(text) is None, text
