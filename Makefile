# The two commands of README.md. Each sets up whatever is missing first.
.PHONY: demo test bench report

demo:
	@VENV=$$(scripts/bootstrap.sh) && $$VENV/bin/speaker-app demo --config config/example.yaml

test:
	@VENV=$$(scripts/bootstrap.sh) && $$VENV/bin/python -m pytest -ra $(PYTEST_ARGS)

bench:
	@VENV=$$(scripts/bootstrap.sh) && $$VENV/bin/python bench/voice.py

# Every benchmark, then bench/reports/REPORT.md; REPORT_ARGS=--reuse: only the report, from their last figures.
report:
	@VENV=$$(scripts/bootstrap.sh) && $$VENV/bin/python bench/report.py $(REPORT_ARGS)
