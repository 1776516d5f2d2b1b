"""The Rasa project checks itself with Rasa's own tools: `rasa data validate` and `rasa test`."""
import json
import subprocess

from speaker_app.dialogue_setup import DIALOGS, rasa_env, rasa_venv, trained_model


def rasa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    python = rasa_venv() / "bin" / "python"
    return subprocess.run([str(python), "-m", "rasa", *args], cwd=DIALOGS, env=rasa_env(),
                          capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_passes_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(tmp_path):
    model = trained_model(rasa_venv())
    result = rasa("test", "core", "--stories", "tests", "--model", str(model), "--out", str(tmp_path),
                  "--fail-on-prediction-errors")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    conversations = report["conversation_accuracy"]
    assert conversations["total"] >= 10
    assert conversations["correct"] == conversations["total"]
