"""Operating the bot: health status, backups and restore, the one-process-per-database lock."""
