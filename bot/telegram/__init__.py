"""The Telegram adapter: python-telegram-bot routes updates; the conversation service decides."""
