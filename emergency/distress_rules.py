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
# 말이 안 나와 of a sore throat, of surprise or of joy; 혀가 꼬여 of drink or of a tongue-twister; a slip of the tongue.
_SPEECH_OTHERWISE = (r"^(?!.*(얼굴|입이|입도|한쪽|반쪽|팔|다리|힘이|마비|어지|쓰러|숨))"
                     r".*(목이(쉬|잠|부|아파|따가)|목감기|감기|기침|가래|기가막|기막|어이가|어이없|할말|"
                     r"좋아서|기뻐서|감동|고마워서|슬퍼서|눈물|놀라서|떨려서|긴장|부끄|창피|영어|외국말|"
                     r"미안|실수|잘못말|농담|술|취해|잰말|기가차|기차서|어처구니|황당|발음연습|빠른말|이름이|단어가|생각이안|기억이안)")
# 입이 돌아가겠다 of the cold or of something sour: hyperbole; a mouth that will not move for a bad tooth.
_MOUTH_HYPERBOLE = r"(웃|지게|마취|치과|어금니|이빨|이가|치아|사랑니|틀니|턱이|추워|춥|추버|얼어|시어|셔서|시다|시큼|맛있|맛나|돌아가겠|돌아갈(정도|만큼|것같이|뻔))"
# An emergency call asked how to use, tested, installed, or told as past.
_CALL_ABOUT = (r"(어떻게|길|어디|위치|번호|연락망|연락처|정리|설치|고장|시험|테스트|연습|배우|교육|사용법|써봐|눌러봐도|잘못눌|실수로|안내|"
               r"다녀|갔다왔|갔었|퇴원|갔는데|갔더니|봤는데|받았|했었)")
# Smoke of cooking, cigarettes, incense or fog; a light switched off; 불길한 예감.
_SMOKE_HARMLESS = (r"^(?!.*(불길이|불이|화재|갇혔|갇혀|못나가|나갈수가없|못빠져|숨))"
                   r".*(담배|고기|굽|생선|향|모기향|안개|김이|수증기|굴뚝|아궁이|쥐불|연탄|배우|드라마|연극|연기력|잘하|늘었)")
# Pins and needles of sitting long, a cramp or the dentist's injection, not a stroke.
_NUMB = r"(쥐가|쥐났|오래앉|꿇고|꿇어|깔고|저려서|저리더니|마취)"
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
    # the heart or the chest squeezed, crushed, tightening
    (r"(가슴|심장|명치)(이|을|가|도|이랑)?\S{0,4}?(조여|조이|조인다|쥐어짜|쥐어뜯|짓눌|죄어|옥죄|"
     r"터질것같|찢어질것같|찢어지게|찢어질듯|터질듯|뻐개질|빠개질|빠개지게)", _HEARTACHE + r"|설레|설렌|설렜|두근|떨려|긴장|기뻐|좋아서|반가|감동|조마조마"),
    # a stroke: speech, the face or one side of the body
    (r"말이(잘|자꾸|갑자기|통|영|똑바로)?(안|못)(나와|나오|나온)|(말|발음)이?(어눌|꼬여|꼬이|이상해|새)|"
     r"말이(자꾸|갑자기|계속)?(헛나|엉뚱하게나|이상하게나)|혀가(꼬여|꼬이|꼬인|굳|말려|안돌아)", _SPEECH_OTHERWISE),
    (r"(얼굴|입|입술|입꼬리)(이|가|도)?(한쪽|한쪽으로|옆으로|비뚤|삐뚤|한쪽이)\S{0,4}(돌아|비뚤|삐뚤|처지|처졌|마비|내려|쏠려|틀어)|"
     r"입이(돌아가|돌아갔|비뚤어|삐뚤어|삐뚤|비뚤)|입이(잘|영|통|자꾸)?(안|못)돌아(가|간)", _MOUTH_HYPERBOLE),
    (r"(한쪽|반쪽|왼쪽|오른쪽|한편)(팔|다리|팔다리|손|발|몸|얼굴)?(이|에|가|을|도)?\S{0,3}?"
     r"(힘이(없|안들어|하나도없|빠져|쭉빠)|마비|감각이(없|안)|말을안들|안움직|못움직|저리고힘)|"
     r"(팔|다리|팔다리|손|발|얼굴|몸|반신|혀|입)\S{0,3}?마비|마비(가|이)(왔|온것|오는것)", _NUMB),
    # an emergency call asked for
    (r"(비상|긴급|응급)(호출|벨|버튼|전화|신고|연락)|응급(상황|이야|이에요|이다|입니다|이라|환자)|"
     r"긴급(상황|이야|이에요)|응급실(에|로)?(좀|빨리|얼른|당장)?(가|데려|실어|보내|연락)", _CALL_ABOUT, False),
    # fire and smoke that trap someone
    (r"(?<!쥐)불길(?!한|하|해)|화재(가|야|났|다|예요)|불이(번져|번지|옮겨|붙었|붙어|커져|커지|치솟)|"
     r"연기(가|때문에|로|에)?(자욱|가득|꽉|꽉차|차올|들어와|새어|매워)", _SMOKE_HARMLESS),
    (r"불이\S{0,6}(붙었|붙어|옮겨붙)", r"(잘붙|안붙|붙여|붙이|장작|아궁이|난로|가스레인지|라이터|성냥|담배|촛불|향|연탄|숯|고기|쉽게)"),
    (r"(불|연기|화재|불길)\S{0,12}(못나가|못나가겠|나갈수가없|갇혔|갇혀|못빠져|문이안열)", None),
    (r"불이야|(?<!열)(?<!천)불이?났(?!나)", None),  # 어디 불 났나: wondering about sirens; 열불 났다: anger
    (r"가스(가)?(냄새|새)|가스\S{0,10}(냄새가?나|냄새난|새는|샌다|샜)",
     r"(고지서|요금|가스비|없대|없다|없어|새로|새거|새것|교체|설치했|하더니|안새|안나)"),
    (r"(?<!커)피(가|이)?(너무|많이|철철|계속|막|펑펑)*(나|흘|쏟|안멈|멈추지|멈추질|안그쳐|안멎|멎지)", None),  # not 커피나 한잔
    (r"(도둑|강도)(이?야|이다|들었)|(도둑|강도)(이|가)(들었|들어왔|든것|든거|든듯|들어온것|들어온거)", None),
    # blood coughed or thrown up
    (r"피(를|가)?(토했|토해|토하(?!듯|는심정)|게워|쏟았)|피(를|가)\S{1,4}(토했|게워|쏟았)|각혈|토혈|하혈", r"(건없|은없|는없|안했|없었|아니|없어)"),
    # a bone through the skin
    (r"뼈가(튀어나|삐져나|밖으로나|밖으로튀|보여|드러나)", r"(생선|고기|갈비|닭|뼈다귀|족발|엑스레이|사진)"),
    # someone breaking in: a stranger, a door forced, a knife
    (r"(모르는|낯선|웬|이상한)(사람|남자|여자|놈|사내)\S{0,6}(들어왔|들어와|들어오려|들어오고|침입|있어|서있)|"
     r"창문으로\S{0,3}(누가|사람이|놈이)\S{0,3}들어오|(누가|어떤놈|웬놈|어떤사람|어떤남자|도둑놈)\S{0,10}(문(을|을막)?(부수|따고|뜯|부시|열려고)|들어오려|침입|창문으로|담을넘)|"
     r"칼(을|들고|을들고)\S{0,6}(들어|있어|서있|위협|찌르)|돈내놓|"
     r"(누가|누군가|사람이|놈이|남자가)\S{0,20}문(을|을자꾸|을계속)?\S{0,3}(따려|부수려|뜯으려|억지로열|열려고해)|"
     r"(안방|방|부엌|거실|화장실|베란다|창고|다락|옷장|집)(에|안에)\S{0,2}(누가|누군가|모르는사람이|웬사람이)"
     r"(있|숨어|들어와|들어왔)", r"(손주|아들|딸|며느리|영감|택배|열쇠|비번|비밀번호|있어요\?|있나|있니|있냐|있을까)"),
    # unconscious, fainting
    (r"의식(이|을)?(없|잃|안돌아|이가물)|정신(을|이)?(잃|혼미|가물가물|왔다갔다|이하나도없)|기절(했|해서|해버)|"
     r"(안|못)깨(요|어요|네|어|는데)$|흔들어도안깨|불러도(대답|안깨|반응)", r"(놀라|웃|뻔|줄알|할만큼|하겠|바빠|바쁘|정신없이|잠을|늦잠|알람)"),
    # an ambulance or rescue by another name; 119 twice or put through
    (r"(앰뷸런스|엠뷸런스|응급차|구급대|구조대|소방서|소방차)(좀|를|을)?\S{0,4}(불러|부르|연결|전화|와|보내)|"
     r"(119|일일구)(좀|에|로|를|으로)?(연결|전화걸|걸어|대)|(119|일일구)\S{0,2}(119|일일구)", None),
    # cannot move, cannot get up, lying on the floor
    (r"꼼짝(을|도)?(못|안)(하겠|하겄|허겄|해|하고|하것|하겠|허것)|못움직|안움직(여|이|인다|이고|입니)|일어설수가?없|"
     r"일어날힘이?없|일으켜(줘|주|도|주소|주이소|달라|주세요)|(못|안)일나|일나(지를|질)?못|일어나(지를|질)못|"
     r"바닥에\S{0,4}(쓰러져|엎어져|넘어져|누워)\S{0,6}(못|일어|움직|아무도|와줘|있었)",
     r"(피곤|귀찮|싫|배불|졸려|게을|이불|추워|바빠|자동차|차가|기계|세탁기|시계|컴퓨터|핸드폰|휴대폰|리모컨|마우스|"
     r"화분|의자|자전거|나무|고추|상자|박스|시원|낮잠|찜질|바퀴|문이|서랍|뚜껑)"),
    # a fire by other words: 불난 거 같아, smoke coming in, a burning smell with smoke or an alarm
    (r"불(이)?난(거|것|듯|모양)|타는냄새\S{0,8}(연기|경보|불)|연기\S{0,8}타는냄새|(화재)?경보기(가)?\S{0,3}(울려|울리|삐삐)|"
     r"연기(가)?\S{0,3}(자욱|가득|꽉|들어와|올라와|새어|차올|들어오)", _SMOKE_HARMLESS + r"|시험|점검|테스트|건전지|배터리"),
    (r"가스\S{0,14}냄새(가)?(나|꽉|가득|심)", r"(고지서|요금|가스비|없대|없다|없어|새로|새거|새것|교체|설치했|하더니|안새|안나)"),
    # the chest: 아이고 가슴이야, chest pain, the chest blocked, pain into the left arm
    (r"가슴(이야|통증|이꽉막|이막혀|이막히|이찢어질거|이터질거)|가슴\S{0,10}왼(팔|쪽팔|어깨)", _HEARTACHE + r"|놀라|깜짝|놀랬|놀랐"),
    # breath
    (r"숨(이|을)?잘?(안|못)(쉬|셔)|숨이?(꽉|턱|콱)막|숨(이)?차(서|고)\S{0,6}(말을?못|못걷|못움직|쓰러)", _STIFLING, False),
    # a bone broken
    (r"(다리|팔|뼈|발목|손목|갈비|허리|엉덩이|골반|고관절)(뼈)?(가|이)?부러(진것같|진거같|졌나봐|졌어|졌다|졌는갑|진듯|진모양)",
     r"(안경|의자|책상|상다리|우산|빗자루|인형|장난감|테이블)"),
    # too much medicine
    (r"약(을)?\S{0,6}(너무많이|잘못|과다|한꺼번에)\S{0,3}먹(었|어버렸|어뿠)", r"(새로|타와|타러|처방|며칠|한달|일주일|보름)"),
    # 큰일 났어 빨리 와
    (r"큰일났\S{0,6}(빨리|얼른|어서)\S{0,6}(와|보내|불러)|(누가|누구|아무나)(좀)?(와줘|와주|와봐|와요|와주세요|와주소|와주이소)|"
     r"누구(없소|없어요|없습니까|없나요)|사람(좀)?(보내|불러)(줘|주|도|주세요|주소)|"
     r"(좀|빨리|얼른|어서)와(주세요|줘요?|주소|주이소)\S{0,16}위험|위험해\S{0,10}와(줘|주세요|주소|주이소)",
     r"(좋겠|으면|놀러|심심|외로|적적|보고싶|반찬|밥먹|같이|얘기|말동무|택배|손님|짐|청소|이사|김장)"),
    # an overdose or a poison swallowed
    (r"(약|수면제|진통제|안정제|수면유도제|해열제)\S{0,10}?(한통|통째|통채|한꺼번에|왕창|몽땅|한주먹|한움큼)\S{0,6}(먹어버렸|먹었|삼켰|먹어뿠)|"
     r"(농약|세제|락스|독약|쥐약|표백제)(을|를)?\S{0,3}(마셨|먹었|삼켰|마셔버|먹어버)",
     r"(새로|타와|타러|타야|다떨어|사와|사러|처방|며칠|한달|일주일|보름)"),
    # 119 said alone: a request
    (r"^(빨리|얼른|어서)?(119|일일구)(요|야|좀|빨리|어서)*$", None),
    # 숨이 넘어가 (not of laughter or of running)
    (r"숨(이|가)?(넘어가|넘어갈|꼴딱|깔딱)", r"(웃|뛰어|뛰었|달려|급하|바빠|서둘|재촉|숨넘어가게)"),
]
_DESPAIR = [
    r"죽고싶",
    r"죽어버리고",
    r"살기(싫|가싫)",
    r"살고싶지않",
    r"그만살",
    r"(삶|인생|사는것|사는게|살아있는것|살아있는게|살아있는)(이|은|가|도|는)?(다|아무)?((의미|소용)(가|이|도)?없|무슨소용|무슨의미)",
    r"죽을생각|죽고싶은생각|죽을궁리|죽을방법",
    r"(빨리|얼른)죽어야",
    # going to sleep and not waking is how a wish to die is often put
    r"(안|못)깨(어)?났으면|안깼으면|(영영|이대로|그냥|그만|편히)눈(을)?감|다시는(눈을?)?(안|못)(떴|깨어났|깼|일어났)",
    r"(세상|삶|인생|이승)에?미련(이|도|은)?(하나도|더는|이제)?없",
    r"(목숨|숨)(이)?붙어있는(게|것이|것도|기)(원망|지겹|싫|괴롭|고통|죄스럽)",
    r"(목숨|생)을?끊",
    r"죽는게(더|차라리)?(낫|나아|나을|편하|편할|소원)|차라리죽",
    r"(사라지|없어지)고싶|없어지는게\S{0,8}?(낫|나아|나을)",
    # 살아서 뭐 해, not 서울 살아서 뭐 하고 지내는지
    r"살아(서|봤자|있어봤자)뭐(해(?!서|도|고)|하겠|하노|하나|할꼬|할까|하누|한다고|하것|하겄)",
    r"뛰어내리고싶|목(을)?매(고싶|달고싶|버릴)",
    # refusing food or medicine to die: 굶어 죽을란다, 약 안 먹고 이대로 죽을래 (not 배고파 죽겠다)
    r"(이대로|그냥이대로|이래|이러다|그냥)죽(을래|을란|을끼|을거야|어버릴|어버리|었으면|으면좋|는게|어야지|을라|을랑께)",
    r"굶어(서)?죽(을래|을란|을끼|을거|어버|고싶|어야|을라|는게|을랑께|겠다고)",
    r"(안먹고|안묵고|끊고|굶고)(그냥|이대로|고마)?죽(을래|을란|을끼|을거야|어버|고싶|어야|을라|을랑께)",
    r"살고싶(은마음|은생각)(이|도)?(하나도|전혀|별로)?없|살고싶지가않|살(아갈)?가치(가|도)?없|희망(이|도)?(하나도|아무것도)?없|아무희망",
    r"(영감|남편|할멈|마누라|아내|할아버지|할배|할매|영감님|먼저간)\S{0,6}(따라|곁으로|곁에|옆으로|한테)\S{0,2}(가고싶|가야|갔으면|따라가고싶)",
    r"(사는것|사는게|사는거|삶|인생|세상|모든게|모든걸|다놓|지옥)\S{0,6}(끝내고싶|끝내버리|끝났으면|끝냈으면|포기하고싶|놓고싶|떠나고싶)",
    r"(오래살|살만큼살|너무오래|살아봤자|이고생)\S{0,12}(가고싶|갔으면|가야지|가야돼|눈감고싶)",
    r"(내가|나하나|나는|나)\S{0,3}(없어지면|없어져야|없어야|없어져도)\S{0,6}(편|모를|낫|돼|되지)",
    r"(빨리|얼른|그냥|콱|고마|확)죽(었으면|어버렸으면|어버릴까|어버릴)",
    r"(인자|이제)?(고마|고만)살(고싶|고시퍼)|포기하고싶\S{0,4}(사는|삶|인생|살기)|그냥(다)?끝났으면|(사는|살)?낙(이|도)?(하나도)?없\S{0,8}(끝|가고|죽)",
    r"(못버티|버틸수가?없|버틸힘이?없)\S{0,10}(끝내|놓고싶|가고싶|포기|죽)",
    r"(그만|얼른|빨리)(가고싶|가야지|갔으면)\S{0,10}(오래살|살았어|살만큼)|(가고싶다는|갔으면하는|죽고싶다는|죽었으면하는)생각",
    r"쓸모없는\S{0,6}(없어져야|가야지|죽어야|사라져)|좋아질일(이|도)?(하나도|아무것도)?없|왜(아직|아직도)?살아있는지",
    r"눈\S{0,6}(안|못)떴으면|(안|못)일어났으면|내일(이|은)?(안|오지않|오지말)았?으면",
    r"옥상\S{0,8}(떨어지고싶|뛰어내|올라가고싶은생각)|떨어지고싶",
    r"(하느님|하나님|저승사자|부처님|조상님|염라)\S{0,6}(데려가|데리러)",
    r"어떻게(하면)?죽(으면|을수|는지|을까)|죽는방법|편하게죽",
    r"약\S{0,10}(모아놨|모아두|모아뒀|한꺼번에)\S{0,6}(먹을까|먹어버릴|먹어버리면|삼킬|먹을라)",
    r"(살아있는|사는|오래사는)(게|것이|것도|거)(너무)?(괴로|죄스럽|죄|고통|지옥|벌이|벌|고문|원망|지겹|지겨)",
    r"(그때|진작|일찍|진즉)죽었어야",
    r"(뭐하러|뭣하러|머하러|뭐할라고)(더)?(사노|사나|살아|사는지)|살아가뭐|더살아서뭐",
    # no reason left to live
    r"(더|계속|이제|앞으로)?살(아갈|아야할|)이유(가|를|도)?(없|모르|하나도없|뭐)",
    # to die asleep
    r"(잠든|자는|잠자는)채로(그냥|조용히|고마)?(가면좋|갔으면|죽었으면|죽으면좋|가고싶|죽고싶)|자다가(그냥|조용히|고마)?(갔으면|죽었으면|가면좋|죽으면좋)",
    # a life too long: 왜 이리 명이 긴지, 모진 목숨
    r"(명|목숨)(이|도)?(너무|왜이리|왜이렇게|참|징그럽게|질기게|모질게|어찌|어째)*(길어|긴지|기노|길다|질기|질겨|질긴|모질)|모진목숨|"
    r"(왜|어째|와)(이리|이렇게|이래)?(안|못)죽(고|는지|노|나)|(왜|어째)(날|나를|나는|나)?(안|못)데려가|명줄이(너무|참)?(길|질기)",
]
# 명이 길다 of someone else's long life, said with praise.
_LONG_LIFE_PRAISED = r"(사셨|사시|백살|장수|좋겠|축하|부럽|다행|건강하|어머니|아버지|할머니|할아버지|명이길어야)"
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
          ("despair", AlertLevel.URGENT,
           [(re.compile(p), re.compile(_LONG_LIFE_PRAISED) if "모진목숨" in p else None, True)
            for p in _DESPAIR])]
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
