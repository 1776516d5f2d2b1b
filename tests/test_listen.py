"""`speaker-app listen`: files through the full voice path, one JSON line each."""
import json

from conftest import espeak, speaker_app

FIELDS = {"file", "wake", "transcript", "intent", "confidence", "alert_level", "reply", "timings_ms"}


def listen(config_file, *args) -> list[dict]:
    result = speaker_app("listen", "--config", str(config_file), *map(str, args))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_no_real_recording_raises_an_alert(config_file, real_clips):
    """Real speech, none of it a call for help: the whole path must stay calm."""
    rows = listen(config_file, *[row["path"] for row in real_clips])
    assert len(rows) == len(real_clips)
    for row in rows:
        assert FIELDS <= set(row)
        assert row["transcript"], row["file"]
        assert row["partials"] >= 1  # the recogniser streamed: partial results came while audio went in
        assert row["alert_level"] == "none", row
        assert row["reply"]
        assert row["timings_ms"]["reply_latency_ms"] >= row["timings_ms"]["hang_over_ms"]


def test_require_wake_spots_the_wake_word_and_hears_the_rest(tmp_path, rasa_url, real_clips):
    from conftest import write_config

    config = write_config(tmp_path, dialog={"url": rasa_url}, wake={"phrase": "코뿔소"})
    koppulso = next(r["path"] for r in real_clips if "koppulso" in r["file"])
    leopard = next(r["path"] for r in real_clips if "leopard" in r["file"])
    woken, not_woken = listen(config, "--require-wake", koppulso, leopard)
    assert woken["wake"] is True
    assert "wake_ack_ms" in woken["timings_ms"]
    assert woken["reply"]
    assert "코뿔소" not in woken["transcript"].split()[:1]  # the turn is what came after the wake word
    assert not_woken["wake"] is False and not_woken["reply"] == ""


def test_replies_are_spoken_into_wav_files(config_file, tmp_path):
    # espeak-ng speech stands for a resident here: only the plumbing is checked.
    wav = espeak("안녕하세요", tmp_path / "hello.wav")
    (row,) = listen(config_file, wav, "--out", tmp_path / "out")
    spoken = sorted((tmp_path / "out").glob("hello-*.wav"))
    assert row["reply"] and spoken
    assert row["timings_ms"]["tts_ms"] > 0
