#!/usr/bin/env bash
# The PostgreSQL tests start a throwaway server of their own (tests/pgserver.py), so they need
# PostgreSQL's server programs, initdb and pg_ctl. Nothing to do when they are on PATH or in
# Debian's /usr/lib/postgresql/*/bin, or when POSTGRES_TEST_URL names a server to use instead.
# Otherwise, as root on Debian or Ubuntu, install the postgresql package without its default
# cluster or service (the tests run their own); anyone else is told what to install.
set -euo pipefail

if [ -n "${POSTGRES_TEST_URL:-}" ]; then
    exit 0
fi
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    exit 0
fi
for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then
        exit 0
    fi
done

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "The tests need PostgreSQL's server programs (initdb, pg_ctl): install your system's" >&2
    echo "postgresql package (Debian: apt-get install postgresql), or set POSTGRES_TEST_URL" >&2
    echo "to a server the tests may create databases on." >&2
    exit 1
fi

echo "Installing PostgreSQL for the tests (apt-get install postgresql)..." >&2
# No "main" cluster (and so no server left running): the file is kept over the package's own.
mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null
