"""The device configuration is checked at start-up, naming any bad key."""

import pytest

from conftest import ROOT, speaker_app, write_config
from speaker_app.config import Config, ConfigError, load_config, parse_config


def test_the_example_config_is_valid_and_complete():
    config = load_config(ROOT / "config" / "example.yaml")
    assert config.wake.phrase == "안부 야"
    assert config.vad.hang_over_ms == 500
    assert config.resident.honorific == "어르신"


def test_left_out_keys_take_their_defaults():
    assert parse_config({}) == Config()
    assert parse_config({"vad": {"hang_over_ms": 700}}).vad.hang_over_ms == 700


@pytest.mark.parametrize("data, named", [
    ({"vad": {"hangover_ms": 300}}, "vad.hangover_ms"),
    ({"voise": {}}, "voise"),
    ({"vad": {"hang_over_ms": "long"}}, "vad.hang_over_ms"),
    ({"dialog": {"timeout_s": True}}, "dialog.timeout_s"),
    ({"audio": {"frame_ms": 25}}, "audio.frame_ms"),
    ({"voice": {"rate": 1000}}, "voice.rate"),
    ({"dialog": {"url": "127.0.0.1:5005"}}, "dialog.url"),
    ({"wake": {"acknowledgement": "bell"}}, "wake.acknowledgement"),
])
def test_a_bad_key_or_value_is_named(data, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        parse_config(data)


def test_whole_numbers_are_accepted_where_a_number_is_expected():
    assert parse_config({"vad": {"max_turn_s": 10}}).vad.max_turn_s == 10.0


def test_broken_yaml_and_a_missing_file_are_errors(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("vad: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_the_command_line_gives_one_line_and_a_nonzero_exit(tmp_path):
    bad = write_config(tmp_path, vad={"hangover_ms": 300})
    result = speaker_app("nlu", "--config", str(bad), "안녕하세요")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "vad.hangover_ms" in lines[0]


@pytest.mark.parametrize("data, named", [
    ({"morning_call": {"time": "06:30"}}, "morning_call.time 06:30"),
    ({"medications": [{"name": "수면제", "times": ["21:00", "22:00"]}]}, r"medications \(수면제\) times 22:00"),
    ({"quiet_hours": {"start": "12:00", "end": "14:00"}, "medications": [{"name": "혈압약", "times": ["13:00"]}]},
     r"medications \(혈압약\) times 13:00"),
])
def test_a_prompt_inside_quiet_hours_is_a_config_error(data, named):
    """Not moved to the end of the quiet hours: a bedtime dose asked at 07:00 would be another dose."""
    with pytest.raises(ConfigError, match=named + ".*quiet_hours"):
        parse_config(data)


def test_quiet_hours_may_run_past_midnight_or_not():
    overnight = parse_config({}).quiet_hours
    assert [overnight.covers(t) for t in ("21:29", "21:30", "00:00", "06:59", "07:00")] == \
        [False, True, True, True, False]
    midday = parse_config({"quiet_hours": {"start": "12:00", "end": "14:00"}}).quiet_hours
    assert [midday.covers(t) for t in ("11:59", "12:00", "13:59", "14:00")] == [False, True, True, False]
    # The edges are allowed: the call at the minute quiet hours end.
    assert parse_config({"morning_call": {"time": "07:00"}}).morning_call.time == "07:00"


def test_transcript_days_is_checked():
    assert parse_config({}).routines.transcript_days == 30
    with pytest.raises(ConfigError, match=r"routines\.transcript_days"):
        parse_config({"routines": {"transcript_days": 0}})
