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


# Things one asks a hand with ("리모컨 찾는 것 좀 도와줘", "청소 좀 도와줘"): help with a task, no plea,
# unless the body is the trouble ("다리가 안 움직이는데 도와줘").
_TASK_HELP = (r"^(?!.*(움직|다리|허리|팔이|몸이|숨|아파|아프|어지|힘이|정신|피))"
              r".*((것|거|걸|건|는데|게|도록)(좀|을|를|도|만)?도와|"
              r"(청소|설거지|빨래|김장|정리|숙제|이사|장보기|짐|요리|반찬|상차림|포장|택배|이불|커튼|전구|컴퓨터|"
              r"핸드폰|휴대폰|전화기|리모컨|티비|텔레비|문자|사진|뚜껑|바느질|단추|화분|분갈이|텃밭|밭일|농사|제사|"
              r"음식)\S{0,8}도와)")
# What falls over without being a person: trees, poles, furniture ("나무가 태풍에 쓰러졌네"), unless the
# speaker fell too ("의자가 넘어지면서 나도 넘어졌어").
_OBJECTS_FALL = (r"^(?!.*(나도|내가|저도|제가|나까지)).*(나무|가로수|소나무|전봇대|전신주|담장|담벼락|담이|벽이|화분|자전거|오토바이|의자|간판|울타리|"
                 r"비닐하우스|고춧대|고추대|벼|옥수수|기둥|액자|책장|선반|장독|항아리|건조대|옷걸이|병풍|컵|"
                 r"우산|허수아비|트랙터|경운기|트럭|표지판|쓰레기통|화환|꽃대|꽃|탑|도미노|인형|천막|사다리|"
                 r"빨래|화분대|어항|촛대|꽃병|스탠드)(이|가|도|는|은|들이|들도|들)\S{0,8}?(넘어|쓰러|자빠)졌")
# A fall told as a story or a memory, a fall that hurt nobody, a fall of speech ("놀라 자빠졌다").
_FALL_TOLD = (r"(넘어|쓰러|자빠|미끄러)졌(을때|을적|던|을까|으면|다면|다가는)|"
              r"(작년|재작년|옛날|예전|지난번|지난주|지난달|지난해|몇년전|몇달전|오래전|어릴때|젊을때|"
              r"젊었을때|그때|왕년|한번은)|"
              r"((?<!안)괜찮|안다쳤|안다쳐|다친데는?없|멀쩡|별일없|혼자일어났|금방일어났|털고일어났)|"
              r"(놀라서?(뒤로)?자빠|기가막혀|기막혀|웃겨서?(넘어|자빠)|까무러)")
# Not getting out of bed in the morning ("늦잠 자서 못 일어나") is no fall, unless the body is the trouble.
_LIE_IN = (r"^(?!.*(넘어|쓰러|자빠|미끄러|떨어|다리|허리|몸이|힘이|숨))"
           r".*(늦잠|알람|깨워|아침잠|귀찮|졸려|졸리|아직안일어나|일찍(못|안)일어나)")
# 숨 막혀 of the heat or a nagging, said with 죽겠다: hyperbole.
_STIFLING = (r"^(?=.*(더워|더버|덥|찜통|후덥|습해|습하|잔소리|속터|갑갑))"
             r"(?=.*(죽겠|죽것|죽겄|미치겠|미치것|환장))")
# 가슴이 아파 of sad news or of pity, not of the heart.
_HEARTACHE = (r"^(?!.*(숨|식은땀|쥐어|찌르|조여|터질|빠개|구급|병원|죽겠))"
              r".*(소식|생각하면|생각하니|생각만해도|들으니|듣고|얘기|이야기|불쌍|안쓰러|가엾|짠해|짠하)")
# Words of real danger: with them, none of the exceptions above holds ("이거 좀 도와줘 못 일어나겠어").
_DANGER = (r"(못|안)일어나|일어날수|일어나(는|게|도록)|일으켜|일어서|숨(이|을)?(안|못|막|차)|숨쉬|피가|"
           r"119|일일구|구급차|응급|빨리와|큰일|살려")

# (pattern, unless[, False]): a pattern that matches fires unless `unless` also matches and no danger word
# is said; with False, a danger word does not count (the danger words themselves hold those patterns).
_EMERGENCY = [
    (r"살려(?!놨|놓았|냈|뒀|볼까|보려)", None),
    (r"사람살리|살리(소|이소)", None),
    (r"도와(주세요|줘요?|주이소|주소|주랑께|주라|도|달라)(?!서)", _TASK_HELP),
    (r"구해(주세요|줘요?|주이소|달라)", None),
    (r"사람(좀)?살려", None),
    (r"(119|일일구|경찰)(에|을|를)?(좀)?(불러|전화|신고)", None),
    (r"구급차(?!가?지나|소리|를?타고|에실려|실려)", None),  # not the one passing by or the one someone rode in
    (r"(넘어졌|쓰러졌|자빠졌|미끄러졌)", f"{_OBJECTS_FALL}|{_FALL_TOLD}"),
    (r"(계단|층계)에서?(굴렀|굴러)", _FALL_TOLD),
    (r"(못|안)일어나", _LIE_IN, False),
    (r"일어날수가?없", None),
    (r"숨(이|을)?(안|못)(쉬|셔)", None),
    (r"숨막혀|숨이막", _STIFLING, False),
    (r"가슴이(너무|많이)?(아파|조여|답답)", _HEARTACHE),
    (r"불이야|(?<!열)(?<!천)불이?났(?!나)", None),  # 어디 불 났나: wondering about sirens; 열불 났다: anger
    (r"가스(가)?(냄새|새)", None),
    (r"(?<!커)피(가|이)?(너무|많이|철철|계속|막|펑펑)*(나|흘|쏟|안멈|멈추지)", None),  # not 커피나 한잔
    (r"(도둑|강도)(이?야|이다|들었)", None),
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
    r"죽는게(더|차라리)?(낫|나아|나을|편하|편할|소원)|차라리죽",
    r"(사라지|없어지)고싶|없어지는게(더)?(낫|나아|나을)",
    # 살아서 뭐 해, not 서울 살아서 뭐 하고 지내는지
    r"살아(서|봤자|있어봤자)뭐(해(?!서|도|고)|하겠|하노|하나|할꼬|할까|하누|한다고|하것|하겄)",
    r"뛰어내리고싶|목(을)?매(고싶|달고싶|버릴)",
]
# Every syllable ending in ㅆ (했, 갔, 렀, 졌, ...): the past tense, whatever the stem.
_PAST = "[" + "".join(chr(c) for c in range(0xAC00, 0xD7A4) if (c - 0xAC00) % 28 == 20) + "]"
# What makes the same words harmless: thanks, someone else's words, the television.
# 고마 alone is also 경상 for "just" or "stop" (고마 죽었으면, 고마 해라), so thanks is 고마워/고마운/고맙.
_HARMLESS = [
    r"고마[워웠운와]|고맙", r"감사",
    # someone else's words (-라고, -다고, -더라, -대) and a story told (-었었)
    rf"(라고|라던|다고|더라|카던데|카[대네데]|한대|했대|다며|({_PAST}|찮)대요?$|{_PAST}었)",
    r"(티비|텔레비|테레비|드라마|뉴스|영화|라디오|유튜브|연속극|소설|만화)",
    # someone else's words said on (하던데, 그러던데), a request passed on (도와 달래), a dream
    r"던데|달래|꿈(에서|속|을꿨|꿨|꾸었|꾼|이었)",
]


def _compile(patterns: list[str]) -> list[re.Pattern]:
    return [re.compile(p) for p in patterns]


_RULES = [("emergency", AlertLevel.EMERGENCY,
           [(re.compile(p), re.compile(u) if u else None, rest[0] if rest else True)
            for p, u, *rest in _EMERGENCY]),
          ("despair", AlertLevel.URGENT, [(re.compile(p), None, True) for p in _DESPAIR])]
_HARMLESS_RULES = _compile(_HARMLESS)
_DANGER_RULE = re.compile(_DANGER)


def check(text: str) -> DistressMatch | None:
    squeezed = "".join(text.split())
    if any(rule.search(squeezed) for rule in _HARMLESS_RULES):
        return None
    danger = _DANGER_RULE.search(squeezed) is not None
    for intent, level, rules in _RULES:
        for rule, unless, danger_counts in rules:
            if rule.search(squeezed) and (unless is None or (danger and danger_counts)
                                          or not unless.search(squeezed)):
                return DistressMatch(intent, level, rule.pattern)
    return None
