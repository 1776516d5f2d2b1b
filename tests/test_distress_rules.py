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


@pytest.mark.parametrize("text", [
    # a stroke: speech, the face, one side of the body
    "갑자기 말이 잘 안 나와", "말이 어눌 해 졌어", "혀가 꼬여서 말이 이상해", "발음 이 이상해 혀 가 굳었어",
    "입이 한쪽 으로 돌아갔어", "얼굴 이 한쪽 으로 처졌어", "입 이 비뚤어 졌어 거울 보니", "입꼬리 가 한쪽 이 처졌어",
    "한쪽 팔다리 에 힘이 없어", "오른쪽 팔 에 힘이 안 들어가", "왼쪽 다리 가 안 움직 여", "몸 반쪽 이 마비 된 것 같아",
    "팔 이 마비 됐어", "갑자기 마비 가 왔어",
    # the chest squeezed
    "심장 이 막 조여 와", "가슴 이 쥐어짜 듯 이 아파", "가슴 을 짓눌 러서 숨을 못 쉬겠어", "명치 가 조여 오고 식은땀 나",
    "심장이 터질 것 같아 숨이 차",
    # an emergency call
    "비상 호출 해 줘", "긴급 호출 좀 눌러 줘", "응급 상황 이야", "응급실 좀 데려가 줘", "비상벨 눌러 줘 몸이 이상해",
    "긴급 신고 해 줘",
    # fire and smoke trapping someone
    "불길 이 번져", "불길 때문에 못 나가겠어", "연기 가 자욱 해서 앞이 안 보여", "방에 연기 가 가득 해",
    "불 이 커튼 에 옮겨 붙었어", "연기 때문에 못 나가겠어 문이 안 열려", "화재 가 났어요", "불이 번져서 갇혔어",
    # blood, 119 alone, breath going
    "피 를 토했 어", "각혈 을 했어", "119", "일일구 빨리", "숨 이 넘어 갈 것 같아", "넘어져서 뼈가 튀어나왔어", "약 을 한꺼번에 다 먹어버렸어", "수면제 를 실수로 한 통 다 먹었어", "농약 을 마셨어",
])
def test_strokes_chest_calls_and_fire_are_emergencies(text):
    match = check(text)
    assert match is not None and match.level is AlertLevel.EMERGENCY, text


@pytest.mark.parametrize("text", [
    "불이 너무 밝다 좀 어둡게 해 줘", "불이 안 꺼져", "불 끄고 나가", "불길한 예감 이 들어", "불길하다 꿈자리 가",
    "목이 쉬어서 말이 잘 안 나와", "감기 때문에 말이 잘 안 나오네", "기가 막혀서 말이 안 나온다",
    "너무 고마워서 말이 안 나오네", "영어 로 하려니 말이 잘 안 나와", "말이 안 돼", "말도 안 되는 소리",
    "술 을 마셨 더니 혀 가 꼬이네", "추워서 입이 돌아가겠다", "레몬 이 셔서 입이 돌아갈 뻔했어",
    "치과 에서 마취 해서 입이 돌아갔어", "다리 가 저려서 마비 된 것 같아", "오래 앉아 있었 더니 다리 가 마비 된 것 같네",
    "도로 가 눈 때문에 마비 됐어", "가슴 이 조마조마 해",
    "비상벨 어떻게 쓰는 거야", "비상 호출 버튼 설치 했어", "응급실 다녀왔어", "응급실 갔었는데 괜찮대",
    "고기 굽는 연기 가 자욱 하네", "담배 연기 가 가득 해", "안개 가 자욱 하네", "응급 처치 배우러 가",
    "하루 종일 굶어서 배고파 죽겠네", "굶어서 죽겠다", "우리 어머니 는 명이 길어서 백 살 까지 사셨어",
    "이대로 죽을 것 같아 무섭다", "피를 토하듯 노래를 하더라", "119 번호 가 뭐였지", "웃겨서 숨 넘어 가는 줄 알았어",
    "숨 넘어 가게 뛰어 왔어",
    "생선 뼈가 튀어나와 있네", "이유 가 없어 그냥 해 본 거야", "자다가 깼어", "잠든 채로 아침 까지 잤어", "약 다 먹었어", "아침 약 한 봉지 먹었어",
])
def test_lights_colds_hyperbole_and_questions_are_not_pleas(text):
    assert check(text) is None, text


@pytest.mark.parametrize("text", [
    "밥 도 안 먹고 굶어 죽을란다", "이대로 그냥 죽을래", "약 안 먹고 죽어 버릴 거야", "약 끊고 고마 죽을란다",
    "이대로 죽었으면 좋겠다", "굶어 죽는 게 낫지", "왜 이리 명이 긴지", "목숨 이 왜 이렇게 질기노", "모진 목숨 이 안 끊어져",
    "왜 이렇게 안 죽고 사는지 몰라", "이제 더 살 이유 가 없어", "살아갈 이유 를 모르겠다",
    "자는 채로 조용히 갔으면 좋겠어", "자다가 그냥 갔으면",
])
def test_refusals_and_a_life_too_long_are_urgent(text):
    match = check(text)
    assert match is not None and match.level is AlertLevel.URGENT, text
