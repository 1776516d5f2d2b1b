"""Telling systemd that the speaker is up, and that its audio still flows.

A speaker whose microphone stream has stalled (a USB speakerphone that
hung, a recogniser stuck on a segment) looks alive to everything around it
and hears no call for help. The unit (deploy/systemd/anbu-speaker.service)
runs it with `Type=notify` and a watchdog: the speaker says READY once it
listens, and WATCHDOG as long as audio frames pass through the loop, so a
stall ends in a restart instead of silence. Outside systemd (no
NOTIFY_SOCKET) nothing is sent.
"""
from __future__ import annotations

import os
import socket
import time
from typing import Callable, Iterable, Iterator, Mapping, TypeVar

Frame = TypeVar("Frame")


class ServiceManager:
    def __init__(self, environ: Mapping[str, str] = os.environ, clock: Callable[[], float] = time.monotonic):
        self.address = environ.get("NOTIFY_SOCKET") or None
        if self.address and self.address.startswith("@"):  # Linux's abstract socket namespace
            self.address = "\0" + self.address[1:]
        watchdog_usec = environ.get("WATCHDOG_USEC")
        # Twice in each watchdog period, as sd_watchdog_enabled(3) advises.
        self.every_s = int(watchdog_usec) / 1e6 / 2 if watchdog_usec and watchdog_usec.isdigit() else None
        self.clock = clock

    def notify(self, message: str) -> None:
        if not self.address:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.sendto(message.encode(), self.address)
            except OSError:
                pass  # systemd went away (a restart of the manager): the speaker keeps listening

    def ready(self, status: str) -> None:
        self.notify(f"READY=1\nSTATUS={status}")

    def alive_while(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """The frames unchanged; WATCHDOG is sent as they pass, at most every half period."""
        if not self.address or self.every_s is None:
            yield from frames
            return
        last = None
        for frame in frames:
            now = self.clock()
            if last is None or now - last >= self.every_s:
                self.notify("WATCHDOG=1")
                last = now
            yield frame
