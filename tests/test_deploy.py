"""The files of deploy/ name real programs and options, and run what the speaker runs itself.

The systemd units are checked by `systemd-analyze verify` (with the install paths of
deploy/README.md mapped onto this checkout, since /opt/anbu does not exist here), each
ExecStart's program is run with --help and must know every option the unit gives it, and the
dialogue's two units must run exactly the commands speaker_app/dialogue_server.py runs. The
nginx site is loaded by a real nginx in front of a real hub, with a throwaway certificate in
place of the placeholders, and a device token is checked through it over TLS.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml

from carehub.app import create_app
from hub_support import ServerThread, World, free_port, fresh_sqlite, make_hub
from speaker_app.config import DialogConfig
from speaker_app.dialogue_server import ActionServer, RasaServer
from speaker_app.dialogue_setup import rasa_env, rasa_venv

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
BIN = Path(sys.executable).parent
INSTALLED_RASA_VENV = Path("/var/lib/anbu/rasa-venv")


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file: each key with every value it is given (systemd allows repeats)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(name: str) -> dict[str, list[str]]:
    return unit(DEPLOY / "systemd" / name)["Service"]


def environment(values: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for value in values for pair in shlex.split(value))


def on_this_machine(command: list[str]) -> list[str]:
    """The installed paths of deploy/README.md, here."""
    program = command[0]
    if program.startswith("/opt/anbu/.venv/bin/"):
        program = str(BIN / Path(program).name)
    elif program.startswith(str(INSTALLED_RASA_VENV)):
        program = program.replace(str(INSTALLED_RASA_VENV), str(rasa_venv()))
    return [program, *command[1:]]


def test_the_units_are_what_systemd_expects(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    copies = []
    for path in UNITS:
        text = path.read_text(encoding="utf-8")
        text = text.replace("/opt/anbu/.venv/bin/", f"{BIN}/").replace("/var/lib/anbu/rasa-venv", str(rasa_venv()))
        copy = tmp_path / path.name
        copy.write_text(text.replace("/opt/anbu/", f"{ROOT}/"), encoding="utf-8")
        copies.append(str(copy))
    done = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60)
    # verify also warns (unknown keys, bad values) without failing: any word from it is a defect.
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stderr + done.stdout
    assert [Path(c).name for c in copies] == ["anbu-actions.service", "anbu-rasa.service", "anbu-speaker.service",
                                              "carehub.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_program_knows_the_options_its_unit_gives_it(path):
    sections = unit(path)
    (exec_start,) = sections["Service"]["ExecStart"]
    command = on_this_machine(shlex.split(exec_start))
    assert Path(command[0]).is_file(), f"{path.name}: {command[0]} does not exist"
    options = [w for w in command if w.startswith("--")]
    subcommand = command[:1 + next((i for i, w in enumerate(command[1:]) if w.startswith("--")), len(command))]
    shown = subprocess.run([*subcommand, "--help"], capture_output=True, text=True, timeout=180,
                           env=rasa_env(), cwd=ROOT / "dialogs")
    assert shown.returncode == 0, shown.stderr
    for option in options:
        assert re.search(rf"(^|[\s,\[]){re.escape(option)}\b", shown.stdout), f"{path.name}: {' '.join(subcommand)} " \
                                                                               f"has no {option}"
    assert sections["Service"]["Restart"] == ["on-failure"]
    assert sections["Service"]["User"] != ["root"] and sections["Service"]["User"]
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_dialogue_units_run_what_the_speaker_runs_itself(monkeypatch):
    endpoints = Path("/etc/anbu/endpoints.yml")
    model = Path("/var/lib/anbu/dialogue.tar.gz")
    rasa, actions = service("anbu-rasa.service"), service("anbu-actions.service")
    dialog_port = urlparse(DialogConfig().url).port
    action_url = yaml.safe_load((DEPLOY / "endpoints.yml").read_text())["action_endpoint"]["url"]
    action_port = urlparse(action_url).port
    assert shlex.split(rasa["ExecStart"][0]) == RasaServer(INSTALLED_RASA_VENV, dialog_port, Path("log"), model,
                                                           endpoints).command()
    assert shlex.split(actions["ExecStart"][0]) == ActionServer(INSTALLED_RASA_VENV, action_port, Path("log")).command()
    assert action_url == f"{ActionServer(INSTALLED_RASA_VENV, action_port, Path('log')).url}/webhook"
    assert rasa["WorkingDirectory"] == actions["WorkingDirectory"] == ["/opt/anbu/dialogs"]  # dialogue_server's cwd
    # The environment dialogue_setup gives Rasa, but for the training cache's place.
    for key in list(os.environ):
        monkeypatch.delenv(key)
    wanted = {k: v for k, v in rasa_env().items() if k != "RASA_CACHE_DIRECTORY"}
    for env in (environment(rasa["Environment"]), environment(actions["Environment"])):
        assert {k: env.get(k) for k in wanted} == wanted
    action_env = environment(actions["Environment"])
    assert action_env["SANIC_HOST"] == ActionServer(INSTALLED_RASA_VENV, action_port, Path("log")).env()["SANIC_HOST"]


def test_the_speaker_unit_keeps_audio_and_starts_after_the_dialogue():
    speaker = unit(DEPLOY / "systemd" / "anbu-speaker.service")
    assert shlex.split(speaker["Service"]["ExecStart"][0])[1:] == ["run", "--config", "/etc/anbu/device.yaml"]
    assert "anbu-rasa.service" in speaker["Unit"]["Wants"][0] and "anbu-rasa.service" in speaker["Unit"]["After"][0]
    assert speaker["Service"]["SupplementaryGroups"] == ["audio"]
    assert speaker["Service"]["DeviceAllow"] == ["char-alsa rw"]
    assert "PrivateDevices" not in speaker["Service"]  # it would hide /dev/snd
    hub = unit(DEPLOY / "systemd" / "carehub.service")
    assert hub["Service"]["EnvironmentFile"] == ["/etc/anbu/carehub.env"]
    example = environment([line for line in (DEPLOY / "carehub.env.example").read_text().splitlines()
                           if line and not line.startswith("#")])
    assert urlparse(example["DATABASE_URL"]).scheme.startswith("postgresql")


@pytest.fixture
def hub(tmp_path):
    world = World(make_hub(fresh_sqlite(tmp_path)))
    with ServerThread(create_app(world.hub)) as server:
        yield server, world.speaker_token


def test_the_nginx_site_serves_the_hub_over_tls(hub, tmp_path):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian package nginx-light); the site file is not checked")
    server, token = hub
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=carehub.example-gu.go.kr", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    http, https = free_port(), free_port()
    site = (DEPLOY / "nginx" / "carehub.conf").read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")
    site = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", site).replace("127.0.0.1:8470", f"127.0.0.1:{server.port}")
    (tmp_path / "carehub.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/carehub.conf; }}\n", encoding="utf-8")
    config = ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*config, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    subprocess.run([*config, "-g", "daemon on;"], check=True)
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"https://127.0.0.1:{https}"
        # TLS checked for real, against the throwaway certificate (per request: requests lets
        # REQUESTS_CA_BUNDLE override a session's own setting).
        answer = requests.get(f"{base}/api/v1/device", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                              verify=str(cert))
        assert answer.status_code == 200 and answer.json()["resident"] == "이순자 할머니", answer.text
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
        wrong = requests.get(f"{base}/api/v1/device", headers={"Authorization": "Bearer wrong"}, timeout=10,
                             verify=str(cert))
        assert wrong.status_code == 401
        plain = requests.get(f"http://127.0.0.1:{http}/api/v1/device", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    finally:
        subprocess.run([*config, "-s", "stop"], capture_output=True)
