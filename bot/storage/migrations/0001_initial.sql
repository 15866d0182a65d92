-- The first schema. Timestamps are UTC ISO-8601 strings ("2026-11-25T19:20:17Z").

CREATE TABLE mothers (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL UNIQUE,
    pseudonym       TEXT    NOT NULL UNIQUE,   -- random id used in logs and audit rows
    language        TEXT    NOT NULL DEFAULT 'uk',
    consent         TEXT    NOT NULL DEFAULT 'pending' CHECK (consent IN ('pending', 'given', 'declined')),
    consent_at      TEXT,
    name            TEXT,                       -- what she wants to be called
    first_name      TEXT,                       -- from Telegram, for staff
    username        TEXT,                       -- from Telegram, for staff
    baby_birth_date TEXT,
    checkin_time    TEXT,                       -- HH:MM local
    timezone        TEXT,
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'inactive')),
    ask_seq         INTEGER NOT NULL DEFAULT 0, -- numbering of questions, so old buttons go stale
    crisis_at       TEXT,                       -- last crisis reply, to answer retractions kindly
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE sessions (
    mother_id  INTEGER PRIMARY KEY REFERENCES mothers(id) ON DELETE CASCADE,
    flow       TEXT NOT NULL,
    state      TEXT NOT NULL,                   -- engine SessionState as JSON
    paused     INTEGER NOT NULL DEFAULT 0,      -- paused by a crisis reply
    updated_at TEXT NOT NULL
);

CREATE TABLE answers (
    id         INTEGER PRIMARY KEY,
    mother_id  INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    flow       TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT,                            -- JSON
    created_at TEXT NOT NULL
);
CREATE INDEX answers_by_mother ON answers(mother_id, flow, key, created_at);

CREATE TABLE assessments (
    id         INTEGER PRIMARY KEY,
    mother_id  INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    score      INTEGER NOT NULL,
    items      TEXT NOT NULL,                   -- JSON
    created_at TEXT NOT NULL
);
CREATE INDEX assessments_by_mother ON assessments(mother_id, kind, created_at);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    mother_id   INTEGER REFERENCES mothers(id) ON DELETE SET NULL,
    pseudonym   TEXT NOT NULL,
    priority    TEXT NOT NULL CHECK (priority IN ('urgent', 'routine')),
    rule        TEXT NOT NULL,
    category    TEXT,
    detail      TEXT NOT NULL,                  -- JSON; personal text erased on /delete
    dedup_key   TEXT NOT NULL UNIQUE,           -- one alert per trigger
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'contacted', 'resolved')),
    created_at  TEXT NOT NULL,
    delivered_at TEXT,
    acknowledged_at TEXT,
    repeats     INTEGER NOT NULL DEFAULT 0,
    next_repeat_at TEXT
);
CREATE INDEX alerts_open ON alerts(status, priority);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    mother_id       INTEGER REFERENCES mothers(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,              -- staff_alert | alert_repeat | mother_notice
    chat_id         INTEGER,                    -- NULL: the staff chat from configuration
    priority        INTEGER NOT NULL,           -- 0 urgent ... 9 routine
    payload         TEXT NOT NULL,              -- JSON
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    message_id      INTEGER,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_pending ON outbox(status, priority, next_attempt_at);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    actor     TEXT NOT NULL,                    -- staff Telegram user id or 'system'
    action    TEXT NOT NULL,
    alert_id  INTEGER,
    subject   TEXT,                             -- the mother's pseudonym only
    at        TEXT NOT NULL
);

CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    at        TEXT NOT NULL
);

CREATE TABLE snippet_views (
    mother_id  INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    snippet_id TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (mother_id, snippet_id)
);

CREATE TABLE declined (
    chat_id    INTEGER PRIMARY KEY,             -- she declined consent: remember only that
    at         TEXT NOT NULL
);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE reminders (
    id        INTEGER PRIMARY KEY,
    mother_id INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,                    -- epds_offer, checkin_nudge, ...
    due_at    TEXT NOT NULL,
    status    TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled')),
    created_at TEXT NOT NULL
);
CREATE INDEX reminders_due ON reminders(status, due_at);

CREATE TABLE deferred_messages (
    mother_id INTEGER PRIMARY KEY REFERENCES mothers(id) ON DELETE CASCADE,
    payload   TEXT NOT NULL                     -- JSON list of messages held back by a crisis reply
);
