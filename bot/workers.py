"""A worker's name, for the rows it claims: unique among the workers sharing one database.

Host and process id say where to look when a claim seems stuck; the random part keeps two
runtimes in one process (the tests) and a restarted process that got the same pid apart.
"""

from __future__ import annotations

import os
import socket
import uuid


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
