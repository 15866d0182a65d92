-- Delivery outcomes (issue "alerts keep flowing"): an outbox row can be withdrawn (a repeat of
-- an alert staff acknowledged meanwhile), and a scheduled send remembers when it was rendered,
-- so a restart after a crash mid-send sends her prompt again instead of taking the session
-- that render started for her own conversation.
--
-- SQLite cannot change a CHECK constraint in place: the outbox is copied into a new table.

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    mother_id       INTEGER REFERENCES mothers(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,              -- staff_alert | alert_repeat | mother_notice
    chat_id         INTEGER,                    -- NULL: the staff chat (followed through upgrades)
    priority        INTEGER NOT NULL,           -- 0 urgent ... 9 routine
    payload         TEXT NOT NULL,              -- JSON
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'dead', 'withdrawn')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    message_id      INTEGER,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
INSERT INTO outbox_new SELECT id, alert_id, mother_id, kind, chat_id, priority, payload, status,
    attempts, next_attempt_at, last_error, message_id, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, priority, next_attempt_at);

ALTER TABLE sends ADD COLUMN composed_at TEXT;   -- rendered (and committed) for sending
