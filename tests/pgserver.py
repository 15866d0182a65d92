"""A real, throwaway PostgreSQL server for the tests: a temporary cluster on a Unix socket.

No mock: the PostgreSQL store is tested against the server it will run on. The cluster lives
in a temporary directory, listens on no TCP port (parallel runs and other servers on the
machine never collide), and skips fsync, since nothing in it needs to survive a crash.

initdb refuses to run as root; the tests run as root in CI, so then every server command runs
as Debian's ``postgres`` system user, which owns the directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg

SERVER_USER = "postgres"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
MISSING = (
    "PostgreSQL's server programs (initdb, pg_ctl) are not on PATH nor under "
    "/usr/lib/postgresql/*/bin. The PostgreSQL tests need them: run scripts/ensure-postgres.sh "
    "(as root it installs Debian's postgresql package), or point POSTGRES_TEST_URL at a server."
)


class PgServerError(RuntimeError):
    """The test server could not be found, started or stopped; the message says what to do."""


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: PATH first, then Debian's versioned
    folders (the newest), which Debian keeps off PATH."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    folders = sorted(DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    for folder in folders:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PgServerError(MISSING)


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.parent.name.split(".") if part.isdigit())


@dataclass
class PgServer:
    """A running cluster: connect as the ``postgres`` superuser through ``socket_dir``."""

    root: Path
    bin_dir: Path
    as_server_user: bool

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@/{database}?host={quote(str(self.socket_dir))}"

    @classmethod
    def start(cls) -> PgServer:
        bin_dir = find_bin_dir()
        as_server_user = os.geteuid() == 0
        root = Path(tempfile.mkdtemp(prefix="poruch-pg-"))
        server = cls(root, bin_dir, as_server_user)
        try:
            server.socket_dir.mkdir()
            if as_server_user:
                shutil.chown(root, SERVER_USER)
                shutil.chown(server.socket_dir, SERVER_USER)
            server._run(
                "initdb",
                "--pgdata",
                str(server.data_dir),
                "--auth=trust",
                "--username",
                SERVER_USER,
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            )
            settings = {**SETTINGS, "unix_socket_directories": f"'{server.socket_dir}'"}
            # Appending keeps the file's owner, so root may write it for the server user.
            with open(server.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            server._run(
                "pg_ctl",
                "--pgdata",
                str(server.data_dir),
                "--log",
                str(root / "server.log"),
                "--wait",
                "start",
            )
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        """Stop at once (nothing here needs a clean shutdown) and remove every file."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "--pgdata", str(self.data_dir), "--mode=immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.as_server_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.root,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise PgServerError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                f"{self.log()}"
            )


def with_database(url: str, database: str) -> str:
    """The same server and user, another database."""
    return urlsplit(url)._replace(path=f"/{database}").geturl()


async def create_database(admin_url: str, name: str, template: str = "template0") -> None:
    """A copy of ``template``: copying a migrated database takes a few tens of milliseconds,
    far less than migrating one."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(admin_url: str, template: str = "template0") -> AsyncIterator[str]:
    """A new database for one test, dropped afterwards; yields its URL."""
    name = f"poruch_test_{uuid.uuid4().hex[:16]}"
    await create_database(admin_url, name, template)
    try:
        yield with_database(admin_url, name)
    finally:
        await drop_database(admin_url, name)
