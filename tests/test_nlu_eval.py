"""`speaker-app nlu-eval`: the decisions on labelled lines, scored, against the real Rasa server."""
from conftest import speaker_app

LINES = [
    ("살려 주세요", "emergency"),
    ("죽고 싶 어", "despair"),
    ("지금 몇 시야", "ask_time"),
    ("약 먹었어", "medication_taken"),
    ("잘 잤어", "sleep_good"),
    # Thanks, labelled here as a plea on purpose: the scorer must count it as a missed emergency.
    ("도와줘서 고마워", "emergency"),
]


def write_tsv(path, rows, header="text\tintent"):
    path.write_text("\n".join([header, *(f"{text}\t{intent}" for text, intent in rows)]) + "\n", encoding="utf-8")
    return path


def test_nlu_eval_scores_the_decisions_and_writes_a_report(tmp_path, config_file):
    tsv = write_tsv(tmp_path / "lines.tsv", LINES)
    report = tmp_path / "report.md"
    result = speaker_app("nlu-eval", "--config", str(config_file), str(tsv), "--report", str(report))
    assert result.returncode == 0, result.stderr
    figures = {line[:72].strip(): line[72:].strip() for line in result.stdout.splitlines() if len(line) > 72}
    assert figures["lines"] == "6"
    assert figures["intent accuracy"] == "83.3%"
    assert figures["emergency recall"].startswith("50.0% (decided by: rule 1)")
    assert figures["despair recall"] == "100.0%"
    assert figures["emergency false alarms (non-emergency lines given `emergency`)"] == "0.0%"
    assert "| ask_time | 1 | 100.0% | 100.0% | 1.00 |" in result.stdout
    assert "emergency->out_of_scope 1" in result.stdout
    text = report.read_text(encoding="utf-8")
    assert "- `도와줘서 고마워`: emergency -> out_of_scope" in text
    assert "- emergency -> out_of_scope: 1" in text


def test_a_file_without_its_header_is_one_clear_error(tmp_path):
    tsv = write_tsv(tmp_path / "lines.tsv", LINES, header="살려줘\temergency")
    result = speaker_app("nlu-eval", str(tsv))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"speaker-app: {tsv}: the first row must name the columns `text` and `intent`, separated by a tab"]


def test_an_unknown_intent_is_named_with_its_line(tmp_path):
    tsv = write_tsv(tmp_path / "lines.tsv", [("살려 주세요", "emergency"), ("배 아파", "stomach")])
    result = speaker_app("nlu-eval", str(tsv))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{tsv} line 3: unknown intent 'stomach'; use one of affirm, ask_time," in result.stderr
