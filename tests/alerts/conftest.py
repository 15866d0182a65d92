"""The alert suites run on SQLite and on PostgreSQL: the outbox, the digest and the staff side
are where the dialects differ most (JSON edits of the payload, rows changed, ids returned)."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
