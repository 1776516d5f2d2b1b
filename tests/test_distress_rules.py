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
                                  "얼른 죽어야 될 텐데", "고마 죽고 싶 다", "이렇게 사느니 죽는 게 나아",
                                  "차라리 죽 었으면", "그냥 사라지고 싶어", "나 같은 건 없어지는 게 낫지",
                                  "이 나이 에 살아서 뭐 해", "살아 봤자 뭐 하겠노", "옥상 에서 뛰어내리고 싶다"])
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


@pytest.mark.parametrize("text", [
    # help with a thing or a task
    "리모컨 찾는 것 좀 도와줘", "청소 좀 도와줘", "이것 좀 도와 줘", "이거 좀 도와줘", "김장 하는 거 좀 도와 주세요",
    "문자 보내는 것 좀 도와줘", "반찬 만드는데 좀 도와줘", "설거지 좀 도와주세요", "화분 옮기는 거 도와줘",
    "뚜껑 이 안 열려 좀 도와줘", "장 보는 거 좀 도와주라",
    # things that fall over, and falls told as stories, memories, dreams or with no harm done
    "나무가 태풍에 쓰러졌네", "나무 가 태풍 에 쓰러 졌 어", "전봇대 가 바람 에 넘어 졌네", "자전거가 넘어졌어",
    "의자 가 넘어 졌 네", "영감이 쓰러졌을 때 생각하면", "영감 이 쓰러 졌을 때 생각 하면 아직 도 떨려",
    "지난번 에 넘어 졌을 때 다쳤어", "작년 겨울에 빙판에서 미끄러졌지", "손주 가 어릴 때 계단 에서 굴렀지",
    "꿈 에서 넘어 졌어", "미끄러 졌는데 괜찮 아", "넘어졌는데 안 다쳤어", "놀라서 뒤로 자빠졌다",
    # reported speech, thanks, hyperbole, the morning, heartache
    "라디오 에서 살려 주세요 하던데", "아들 이 좀 도와 달래", "고마워 도와줘서", "화분 살려 놨어",
    "늦잠 자서 아침에 못 일어나", "애들 이 아직 안 일어나", "더워서 숨막혀 죽겠네", "잔소리 에 숨 막혀 죽겠다",
    "그 소식 들으니 가슴이 아파", "열불 이 났어", "아들 은 서울 살아서 뭐 하고 지내 는지",
    "드라마 에서 차라리 죽는 게 낫다 하더라",
])
def test_objects_stories_and_errands_are_not_pleas(text):
    assert check(text) is None, text


@pytest.mark.parametrize("text", [
    "도와줘", "도와주세요", "살려줘", "도와 주 세요", "제발 도와줘요", "여기 좀 도와주세요", "당장 도와줘",
    "나 좀 도와 줘", "누가 좀 도와 주랑께", "할머니 좀 도와주세요", "아이고 사람 살리소", "도와 주소",
    "나 좀 도와줘 일어날 수가 없어", "이거 좀 도와줘 못 일어나겠어", "나 일어나는 것 좀 도와줘",
    "다리가 안 움직이는데 도와줘", "일어나게 좀 도와줘",
    "영감이 쓰러졌어 빨리", "의자 에서 넘어 졌어", "의자가 넘어지면서 나도 넘어졌어", "넘어졌는데 안 괜찮아",
    "나무가 쓰러졌는데 깔렸어 못 일어나", "아침 일찍 화장실 가다 넘어져서 못 일어나",
    "가슴 이 답답해서 숨 막혀 죽겠어", "숨 이 막혀", "가슴 이 너무 아파", "영감 이 안 일어나 숨 을 안 쉬어",
    "119 에 전화 해 줘", "경찰 불러 주세요", "불이 났어요", "이불 좀 도와줘 넘어졌어",
])
def test_pleas_stay_pleas_around_the_exceptions(text):
    match = check(text)
    assert match is not None and match.level is AlertLevel.EMERGENCY, text
