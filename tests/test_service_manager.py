"""The speaker's messages to systemd (speaker_app/service_manager.py), over a real datagram socket."""
import os
import socket

import pytest

from speaker_app.service_manager import ServiceManager


@pytest.fixture
def systemd(tmp_path):
    """A socket standing where systemd's notify socket would be."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "notify"))
        sock.settimeout(2)
        yield sock


def received(sock) -> list[str]:
    sock.settimeout(0.2)
    messages = []
    try:
        while True:
            messages.append(sock.recv(256).decode())
    except socket.timeout:
        return messages


def test_ready_names_what_the_speaker_does(systemd, tmp_path):
    ServiceManager({"NOTIFY_SOCKET": str(tmp_path / "notify")}).ready("listening for '안부 야'")
    assert received(systemd) == ["READY=1\nSTATUS=listening for '안부 야'"]


def test_watchdog_every_half_period_while_frames_pass(systemd, tmp_path):
    now = [0.0]

    def clock():
        now[0] += 0.25  # a frame every quarter second
        return now[0]

    manager = ServiceManager({"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"}, clock)
    frames = list(range(12))  # 3 s of frames; the period is 2 s, so a ping each second
    assert list(manager.alive_while(frames)) == frames
    assert received(systemd) == ["WATCHDOG=1"] * 3


def test_abstract_socket_names_are_reached(tmp_path):
    name = f"anbu-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        ServiceManager({"NOTIFY_SOCKET": "@" + name}).ready("up")
        sock.settimeout(2)
        assert sock.recv(256) == b"READY=1\nSTATUS=up"


def test_outside_systemd_frames_pass_and_nothing_is_sent(systemd, tmp_path):
    manager = ServiceManager({"WATCHDOG_USEC": "2000000"})
    assert manager.address is None
    assert list(manager.alive_while(iter("abc"))) == ["a", "b", "c"]
    manager.ready("up")
    assert received(systemd) == []


def test_a_vanished_manager_does_not_stop_the_speaker(tmp_path):
    manager = ServiceManager({"NOTIFY_SOCKET": str(tmp_path / "gone"), "WATCHDOG_USEC": "1000000"})
    assert list(manager.alive_while([1, 2])) == [1, 2]
