"""The Telegram adapter: python-telegram-bot routes updates; the conversation service decides.

PTB 22 is moving time periods (``RetryAfter.retry_after``) to ``timedelta`` and warns on every
use of the old ints; opting in now keeps 429 handling free of deprecation warnings (which the
tests turn into errors) and ready for PTB 23.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
