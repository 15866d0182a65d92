"""A database seeded with the small clinic of ``tests/reports/seed.py``."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.reports.seed import seed


@pytest.fixture
async def seeded(services: Services) -> Services:
    async with services.db.transaction() as conn:
        await seed(conn)
    return services
