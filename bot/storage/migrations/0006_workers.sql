-- Several workers on one database (issue "PostgreSQL and several workers"): a row of the
-- outbox or of the sends ledger is claimed by one worker for a lease before it is delivered, so
-- each is sent by exactly one worker, and a worker that dies leaves it claimable again when its
-- lease runs out. The two pace tables hold the bot's one sending pace, shared by all workers:
-- the next free slot overall and each chat's next free slot, in seconds on the database's clock.
--
-- SQLite runs one process: its claims are always its own and the pace stays in memory; the
-- columns and tables exist here too so that both dialects keep one schema.

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- the worker delivering it
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;   -- ISO UTC: after this, anyone may take it
ALTER TABLE sends ADD COLUMN claimed_by TEXT;
ALTER TABLE sends ADD COLUMN claimed_until TEXT;

CREATE TABLE send_pace (
    id      INTEGER PRIMARY KEY CHECK (id = 1),     -- one row: the whole bot
    next_at REAL NOT NULL                           -- the next free slot
);
INSERT INTO send_pace (id, next_at) VALUES (1, 0);

CREATE TABLE chat_pace (
    chat_id INTEGER PRIMARY KEY,
    next_at REAL NOT NULL                           -- her chat's next free slot
);
