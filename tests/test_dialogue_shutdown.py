"""The Rasa server and the action server end with the speaker that started them.

Real processes: `speaker-app dialogue` starts both servers (the real Rasa model),
then the test ends it as an operator, systemd or a crash would, and looks in
/proc for what is left.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port, write_config

GONE_WITHIN_S = 20  # stop() gives both servers 15 s together to finish before it kills them


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces and parentheses; the fields after its last ')' do not.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_dialogue(tmp_path) -> tuple[subprocess.Popen, list[int]]:
    config = write_config(tmp_path, dialog={"url": f"http://127.0.0.1:{free_port()}"})
    exe = Path(sys.executable).parent / "speaker-app"
    # SIGINT as a terminal delivers it: a test run started in the background by a non-interactive
    # shell inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt.
    speaker = subprocess.Popen([str(exe), "dialogue", "--config", str(config)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    heard = []
    for line in speaker.stderr:  # the servers log to files; this is the speaker's own output
        heard.append(line)
        if "the dialogue answers on" in line:
            break
    else:
        pytest.fail("speaker-app dialogue ended before the dialogue answered:\n" + "".join(heard[-20:]))
    servers = children_of(speaker.pid)
    assert len(servers) == 2, f"expected the Rasa server and the action server, found {servers}"
    return speaker, servers


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_speaker_stops_both_servers(tmp_path, signum):
    speaker, servers = start_dialogue(tmp_path)
    try:
        speaker.send_signal(signum)
        speaker.wait(timeout=GONE_WITHIN_S)
        assert [pid for pid in servers if alive(pid)] == []
    finally:
        kill_all(speaker, servers)
    # SIGTERM ends it as `kill` expects (128 + 15); Ctrl-C is an ordinary stop.
    assert speaker.returncode in ({143} if signum == signal.SIGTERM else {0, 130})


def test_servers_do_not_outlive_a_killed_speaker(tmp_path):
    """SIGKILL leaves the speaker no chance to stop anything: the kernel tells the servers."""
    speaker, servers = start_dialogue(tmp_path)
    try:
        speaker.kill()
        speaker.wait(timeout=5)
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in servers if alive(pid)] == []
    finally:
        kill_all(speaker, servers)


def kill_all(speaker: subprocess.Popen, servers: list[int]) -> None:
    """Whatever a failed test left: this test's own processes, by their ids."""
    if speaker.poll() is None:
        speaker.kill()
        speaker.wait()
    for pid in servers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
