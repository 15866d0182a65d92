"""A database seeded with the small clinic of ``tests/reports/seed.py``, on SQLite and on
PostgreSQL: the report's queries are where the dialects differ most (epoch days, weeks since
the birth, per-mother day lists)."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.conftest import BACKENDS
from tests.reports.seed import seed


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def seeded(services: Services) -> Services:
    async with services.db.transaction() as conn:
        await seed(conn)
    return services
