"""A throwaway PostgreSQL server on 127.0.0.1, for the hub's tests and its load
bench: they need a real one, and must not depend on one being set up.

It runs Debian's binaries: initdb into a temporary folder, then pg_ctl start,
as the `postgres` user when run as root (PostgreSQL refuses to run as root).
`stop` stops it and removes the folder.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, settings: dict[str, str], folder: str | None = None, prefix: str = "carehub-pg-"):
        """`settings` are the server's (`-c name=value`), for what this use wants: speed over
        durability in tests, room for many connections in the bench."""
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "carehub", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        options = " ".join(f"-c {name}={value}" for name, value in {"listen_addresses": "127.0.0.1", **settings}.items())
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", "-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.folder} {options}", "start")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://carehub@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.folder.exists():
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
            shutil.rmtree(self.folder, ignore_errors=True)
