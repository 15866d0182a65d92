-- PostgreSQL translation of ../0003_delivery.sql: an outbox row can be withdrawn, and a send
-- remembers when it was composed. PostgreSQL replaces the CHECK in place (SQLite copies the
-- table); the columns, their order and the index stay as they were.

ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sent', 'dead', 'withdrawn'));

ALTER TABLE sends ADD COLUMN composed_at TEXT;   -- rendered (and committed) for sending
