"""The template detector and enrolment (detector 2).

The voice here is espeak-ng Korean. For the recogniser that proves nothing,
but the template detector compares sounds with sounds, whatever the words:
enrolled at one speed and pitch, it is tested at others and with noise, as
a resident says a phrase differently from one day to the next.
"""
import json
import subprocess

import numpy as np
import pytest

from conftest import speaker_app, write_config
from speaker_app.audio import AudioClip, read_wav
from wakeword.enrolment import EnrolmentError, EnrolmentStore, check_take
from wakeword.features import mfcc
from wakeword.templates import Template, TemplateDetector, take_spread

PLEA = "살려 주세요"
OTHERS = ["오늘 날씨가 참 좋네요", "밥 먹었어요", "텔레비전 좀 켜 줘", "손주가 내일 온대요",
          "병원에 가야 하는데", "잘 잤어요", "사람들이 시장에 갔다", "지금 몇 시예요"]


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice")

    def say(text: str, speed: int = 130, pitch: int = 50, name: str | None = None):
        path = folder / (name or f"{abs(hash((text, speed, pitch)))}.wav")
        subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-p", str(pitch), "-w", str(path), text], check=True)
        return path
    return say


def with_noise(clip: AudioClip, snr_db: float, seed: int = 0) -> AudioClip:
    """Room noise: brown-ish (most energy low), at the given signal-to-noise ratio."""
    samples = clip.samples().astype(float)
    noise = np.cumsum(np.random.default_rng(seed).normal(size=len(samples)))
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")  # keep it from drifting
    noise *= np.sqrt(np.mean(samples ** 2) / 10 ** (snr_db / 10)) / noise.std()
    return AudioClip.from_samples(samples + noise)


@pytest.fixture(scope="module")
def detector(voice):
    takes = [check_take(read_wav(voice(PLEA, 130, pitch)), f"take {pitch}") for pitch in (40, 50, 60)]
    return TemplateDetector([Template("help", PLEA, mfcc(t)) for t in takes])


@pytest.mark.parametrize("speed, pitch", [(100, 45), (160, 55), (180, 50)])
def test_the_phrase_is_heard_at_another_speed_and_pitch(detector, voice, speed, pitch):
    match = detector.match(read_wav(voice(PLEA, speed, pitch)))
    assert match is not None and match.name == "help"


@pytest.mark.parametrize("snr_db", [30, 20])
def test_the_phrase_is_heard_through_room_noise(detector, voice, snr_db):
    assert detector.match(with_noise(read_wav(voice(PLEA, 140, 55)), snr_db)) is not None


def test_the_phrase_is_heard_inside_a_longer_segment(detector, voice):
    assert detector.match(read_wav(voice(f"아이고 {PLEA} 빨리요", 130, 50))) is not None


@pytest.mark.parametrize("sentence", OTHERS)
def test_other_sentences_do_not_match(detector, voice, sentence):
    assert detector.match(read_wav(voice(sentence))) is None


def test_real_recordings_do_not_match(detector, real_clips):
    for row in real_clips:
        assert detector.match(read_wav(row["path"])) is None, row["file"]


def test_a_quiet_take_is_refused_with_what_to_do(voice):
    quiet = AudioClip.from_samples(read_wav(voice(PLEA)).samples() * 0.003)
    with pytest.raises(EnrolmentError, match="too quiet"):
        check_take(quiet, "take 1")


def test_enrolment_from_wav_files_then_the_selftest(voice, tmp_path):
    config = write_config(tmp_path, enrolment={"folder": str(tmp_path / "enrolment")})
    takes = [voice(PLEA, 130, p, name=f"plea-{p}.wav") for p in (40, 50, 60)]
    result = speaker_app("enroll", "--config", str(config), "--name", "help1", "--phrase", PLEA, *map(str, takes))
    assert result.returncode == 0, result.stderr
    assert "help1 (distress)" in result.stdout
    index = json.loads((tmp_path / "enrolment" / "enrolment.json").read_text(encoding="utf-8"))
    assert [(e["name"], e["kind"], len(e["takes"])) for e in index] == [("help1", "distress", 3)]
    selftest = speaker_app("selftest", "--config", str(config), "--wav-only")
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "3 of 3 takes heard, 3 strongly" in selftest.stdout  # each take is well inside its own threshold


def test_enrolment_refuses_a_bad_name_and_a_single_take(tmp_path, voice):
    store = EnrolmentStore(tmp_path)
    take = read_wav(voice(PLEA))
    with pytest.raises(EnrolmentError, match="name"):
        store.add("help me!", PLEA, "distress", [take, take])
    with pytest.raises(EnrolmentError, match="two takes"):
        store.add("help", PLEA, "distress", [take])
    assert store.phrases() == []


def test_each_phrase_gets_its_own_threshold_from_its_takes(voice, tmp_path):
    """Takes said alike give a tight threshold; takes said differently each time, a looser one."""
    def takes(settings):
        return [check_take(read_wav(voice(PLEA, speed, pitch)), "take") for speed, pitch in settings]
    alike, varied = takes([(128, 48), (130, 50), (132, 52)]), takes([(100, 30), (130, 50), (170, 70)])
    assert 0 < take_spread([mfcc(t) for t in alike]) < take_spread([mfcc(t) for t in varied])
    store = EnrolmentStore(tmp_path)
    store.add("alike", PLEA, "distress", alike)
    store.add("varied", PLEA, "distress", varied)
    store.add("wake", PLEA, "wake", alike)
    detector, kinds = store.detector({"wake": 0.3, "distress": 0.2})
    spread = take_spread([mfcc(t) for t in alike])
    assert detector.threshold("alike") == pytest.approx(spread + 0.2)
    assert detector.threshold("wake") == pytest.approx(spread + 0.3)
    assert detector.threshold("alike") < detector.threshold("varied")
    assert kinds == {"alike": "distress", "varied": "distress", "wake": "wake"}


def test_an_incomplete_enrolment_index_asks_to_enrol_again(tmp_path):
    (tmp_path / "enrolment.json").write_text(json.dumps([{"name": "help", "phrase": PLEA,
                                                           "takes": ["help-1.wav", "help-2.wav"]}]))
    with pytest.raises(EnrolmentError, match="enrol the phrases again"):
        EnrolmentStore(tmp_path).phrases()


def test_selftest_with_nothing_enrolled_says_what_to_do(tmp_path):
    config = write_config(tmp_path, enrolment={"folder": str(tmp_path / "none")})
    result = speaker_app("selftest", "--config", str(config), "--wav-only")
    assert result.returncode == 2 and "speaker-app enroll" in result.stderr
