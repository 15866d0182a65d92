"""PostgreSQL's own client programs (``pg_dump``, ``pg_restore``), found and run for the
operator's commands, and a database URL made safe to print.

A dump must be taken by a ``pg_dump`` at least as new as the server, so the newest one installed
is used: PATH first, then Debian's versioned folders, which Debian keeps off PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.storage.sqlitefile import OpsError

DEBIAN_ROOT = Path("/usr/lib/postgresql")
TIMEOUT = 3600  # seconds: a large clinic's dump takes minutes, never hours


class ToolError(OpsError):
    """A PostgreSQL program is missing or failed; the message says which and why."""


def find_program(name: str) -> Path:
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    folders = sorted(DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    for folder in folders:
        if (folder / name).exists():
            return folder / name
    raise ToolError(
        f"{name} is not installed (on PATH or under {DEBIAN_ROOT}/*/bin); "
        "install PostgreSQL's client programs (Debian: postgresql-client)"
    )


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.parent.name.split(".") if part.isdigit())


def run(name: str, *args: str, url: str | None = None) -> str:
    """Run ``name`` with ``args`` (and ``--dbname`` for ``url``); its standard output, or
    ToolError with its last words. A password travels in the environment (``PGPASSWORD``),
    never on the command line, where any user of the machine could read it."""
    command = [str(find_program(name)), *args]
    env = dict(os.environ)
    if url is not None:
        parts = urlsplit(url)
        if parts.password is not None:
            env["PGPASSWORD"] = unquote(parts.password)
            url = parts._replace(
                netloc=parts.netloc.replace(f":{parts.password}@", "@", 1)
            ).geturl()
        command.append(f"--dbname={url}")
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env
    )
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-3:]
        raise ToolError(f"{name} failed ({done.returncode}): {' / '.join(said)}")
    return done.stdout


def shown(url: str) -> str:
    """The URL without its password, for messages and ``main.py status``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def database_name(url: str) -> str:
    """The database a URL names (its path); ``poruch`` when it names none."""
    return urlsplit(url).path.strip("/") or "poruch"
