"""A throwaway PostgreSQL server for the tests: Debian's binaries, on 127.0.0.1 and a free port, data in /tmp.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user the Debian package creates.
Anyone on this machine may connect to it without a password (trust): it lives only as long as the test session.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "apt-get install postgresql (Debian), as .ci/run does"
SUPERUSER = "tito"


def server_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, if any."""
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin")
             if (Path(d) / "initdb").is_file() and (Path(d) / "pg_ctl").is_file()]
    return max(found, key=lambda d: float(d.parent.name), default=None)


def why_not_available() -> str:
    """Empty when a server can be started here; otherwise what is missing (the reason a test is skipped)."""
    if server_binaries() is None:
        return f"no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: {INSTALL_HINT}"
    if os.geteuid() == 0:
        try:
            import pwd
            pwd.getpwnam("postgres")
        except KeyError:
            return f"running as root and there is no `postgres` user to run the server as: {INSTALL_HINT}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed: pip install -e '.[grading]'"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """initdb + pg_ctl start in a fresh folder; `database(name)` creates one and returns its SQLAlchemy URL."""

    def __init__(self):
        self.bin = server_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="tito-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_server_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_server_user:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        result = subprocess.run(self.as_server_user + list(args), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}"
                               + (log.read_text() if log.is_file() else ""))

    def start(self) -> "Server":
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        # Only 127.0.0.1 and a unix socket inside the data folder; durability does not matter for a test.
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str, password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://{SUPERUSER}{secret}@127.0.0.1:{self.port}/{database}"

    def database(self, name: str) -> str:
        """Create an empty database `name`; its URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
