# Poruch in a container: slim Python, a non-root user, the database on a volume.
#   docker build -t poruch .
#   docker run -d --name poruch --env-file /etc/poruch/poruch.env \
#     -v poruch-data:/app/data --stop-timeout 30 --restart unless-stopped poruch
# See docs/production.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/app/data/bot.sqlite3

WORKDIR /app

# The package and its dependencies first: editing dialogs or content does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin poruch \
    && mkdir -p /app/data \
    && chown poruch:poruch /app/data \
    && chmod 0700 /app/data

COPY main.py ./
COPY dialogs ./dialogs
COPY content ./content

USER poruch
VOLUME ["/app/data"]
# Only used in webhook mode (BOT_WEBHOOK_URL); long polling needs no open port.
EXPOSE 8443

# Unhealthy when a staff alert has waited undelivered for ten minutes (exit 3).
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s \
    CMD ["python", "main.py", "status"]

# SIGTERM (docker stop) lets the bot finish what it is doing; give it --stop-timeout 30.
STOPSIGNAL SIGTERM
CMD ["python", "main.py", "run"]
