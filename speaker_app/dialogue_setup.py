"""Making the dialogue runnable: the Rasa venv and a trained model, cached.

Rasa Open Source 3.6 runs on Python 3.10 only, so it lives in a venv of its
own beside the speaker's. Both the venv (2.7 GB, about 2 minutes) and the
trained model (about 1.5 minutes) are slow to make, so they are kept outside
the clone under ANBU_CACHE (default ~/.cache/anbu), named by a hash of what
they are made from: a second run finds them in a moment, and a changed
training file makes a new model.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DIALOGS = PROJECT_ROOT / "dialogs"
READY = ".anbu-ready"  # written last, so a venv cut short by a crash is never taken as done


class SetupError(RuntimeError):
    """Set-up cannot go on; the message says what to do."""


def cache_root() -> Path:
    return Path(os.environ.get("ANBU_CACHE") or Path.home() / ".cache" / "anbu")


def progress(message: str) -> None:
    print(f"[anbu] {message}", file=sys.stderr, flush=True)


def find_python310() -> Path:
    candidates = [shutil.which("python3.10")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.10*/bin/python3.10"))
    for candidate in filter(None, candidates):
        check = subprocess.run([candidate, "-c", "import sys, venv; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        if check.returncode == 0 and check.stdout.strip() == "(3, 10)":
            return Path(candidate)
    raise SetupError("Rasa 3.6 needs Python 3.10, and none was found on PATH or under "
                     f"{pyenv_root}/versions; install one (pyenv install 3.10, or apt-get install python3.10) "
                     "and run this again")


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(DIALOGS)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def rasa_venv() -> Path:
    """The Rasa venv for dialogs/requirements.txt, made if it is not there yet."""
    requirements = DIALOGS / "requirements.txt"
    venv = cache_root() / f"rasa-venv-{_digest([requirements])}"
    if (venv / READY).exists():
        return venv
    python = find_python310()
    if venv.exists():
        progress(f"removing an unfinished Rasa venv at {venv}")
        shutil.rmtree(venv)
    progress(f"making the Rasa venv at {venv} with {python} (about 2 minutes, 2.7 GB)")
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([str(python), "-m", "venv", str(venv)], "could not make the Rasa venv")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off"]
    _run(pip + ["--upgrade", "pip"], "could not upgrade pip in the Rasa venv")
    _run(pip + ["-r", str(requirements)], "could not install Rasa; check the network to PyPI and run this again")
    (venv / READY).touch()
    progress("Rasa venv ready")
    return venv


def training_files() -> list[Path]:
    files = [DIALOGS / "domain.yml", DIALOGS / "config.yml", DIALOGS / "requirements.txt"]
    files += sorted((DIALOGS / "data").rglob("*.yml"))
    # Custom NLU components (config.yml names them) shape the model; custom
    # actions do not: they run in the action server, restarted with the dialogue.
    files += sorted((DIALOGS / "components").rglob("*.py"))
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise SetupError(f"the Rasa project is incomplete: missing {', '.join(missing)}")
    return files


def trained_model(venv: Path) -> Path:
    """The model for the current dialogs/, trained if no cached one matches."""
    key = _digest(training_files())
    model = cache_root() / "rasa-models" / f"{key}.tar.gz"
    if model.exists():
        return model
    progress(f"training the dialogue model {key} (about 1-2 minutes)")
    model.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="anbu-train-") as out:
        shutil.move(str(train(venv, Path(out), key)), model)
    progress(f"dialogue model ready: {model}")
    return model


def train(venv: Path, out: Path, name: str, config: Path | None = None, rasa_cache: Path | None = None,
          project: Path = DIALOGS) -> Path:
    """A model trained into `out`. For comparisons: `config` another pipeline, `rasa_cache` another
    (e.g. empty) folder for Rasa's cache of trained components, `project` a copy of dialogs/."""
    env = rasa_env()
    if rasa_cache is not None:
        env["RASA_CACHE_DIRECTORY"] = str(rasa_cache)
    # From the project folder, so that config.yml can name the components in its components/.
    _run([str(venv / "bin" / "python"), "-m", "rasa", "train", "--data", "data",
          "--config", str(config or project / "config.yml"), "--domain", "domain.yml", "--out", str(out),
          "--fixed-model-name", name],
         f"training the dialogue model failed; run `rasa data validate` in {project} to see why",
         cwd=project, env=env)
    return out / f"{name}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Rasa's own caches and telemetry kept out of the clone and off the network."""
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(cache_root() / "rasa-train-cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    })
    return env


def _run(command: list[str], failure: str, cwd: Path | None = None, env: dict | None = None) -> None:
    # Output goes to stderr as it comes, so a long install shows its progress.
    result = subprocess.run(command, cwd=cwd, env=env, stdout=sys.stderr, stderr=sys.stderr)
    if result.returncode != 0:
        raise SetupError(f"{failure} (exit {result.returncode} from: {' '.join(command[:4])} ...)")
