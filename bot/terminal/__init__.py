"""The terminal adapter: the same bot, flows and database, in a terminal."""
