"""The device configuration is checked at start-up, naming any bad key."""
from pathlib import Path

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
