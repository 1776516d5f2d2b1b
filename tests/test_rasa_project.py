"""The Rasa project checks itself with Rasa's own tools: `rasa data validate` and `rasa test`."""
import json
import re
import subprocess

import yaml

from speaker_app.dialogue_setup import DIALOGS, rasa_env, rasa_venv, trained_model


def rasa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    python = rasa_venv() / "bin" / "python"
    return subprocess.run([str(python), "-m", "rasa", *args], cwd=DIALOGS, env=rasa_env(),
                          capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_passes_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Rasa 3.6 warns about every response that no story or rule names, also those that forms ask
    # (utter_ask_<slot>) and custom actions say; any other warning is a real one.
    domain = yaml.safe_load((DIALOGS / "domain.yml").read_text(encoding="utf-8"))
    asked = {f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]}
    actions = "".join(path.read_text(encoding="utf-8") for path in (DIALOGS / "actions").glob("*.py"))
    warnings = re.findall(r"UserWarning: (.*)", result.stdout + result.stderr)
    unused = [re.fullmatch(r"The utterance '(\w+)' is not used in any story or rule\.", w) for w in warnings]
    real = [w for w, m in zip(warnings, unused)
            if not m or not (m[1] in asked or f'"{m[1]}"' in actions)]
    assert real == []


def test_every_test_story_passes(tmp_path):
    model = trained_model(rasa_venv())
    result = rasa("test", "core", "--stories", "tests", "--model", str(model), "--out", str(tmp_path),
                  "--fail-on-prediction-errors")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "story_report.json").read_text())
    conversations = report["conversation_accuracy"]
    assert conversations["total"] >= 10
    assert conversations["correct"] == conversations["total"]


def test_hangul_words_survive_tokenization():
    # Rasa 3.6's own WhitespaceTokenizer takes Hangul for emoji: "119 불러 줘" came out as ["119"].
    script = ("import json\n"
              "from rasa.shared.nlu.training_data.message import Message\n"
              "from components.hangul_tokenizer import HangulSyllableTokenizer, HangulWhitespaceTokenizer\n"
              "for cls in (HangulSyllableTokenizer, HangulWhitespaceTokenizer):\n"
              "    tokenizer = cls(cls.get_default_config())\n"
              "    for text in ['119 불러 줘', '밥 먹었 어요 😀']:\n"
              "        print(json.dumps([t.text for t in tokenizer.tokenize(Message({'text': text}), 'text')],"
              " ensure_ascii=False))\n")
    result = subprocess.run([str(rasa_venv() / "bin" / "python"), "-c", script], cwd=DIALOGS, env=rasa_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        ["119", "불", "러", "줘"], ["밥", "먹", "었", "어", "요"],
        ["119", "불러", "줘"], ["밥", "먹었", "어요"],
    ]
