-- The schedule lives here, not in memory: a restart neither skips nor repeats a prompt.
--
-- next_checkin_at is her next daily slot (UTC): the check-in prompt and, on their days, a
-- snippet, a screening offer or a gentle nudge. NULL means "plan me": new mothers, and anyone
-- whose time, time zone, status or consent changed (the trigger below), are planned by the next
-- tick. Only active mothers who consented are ever planned, so paused and blocked mothers cost
-- nothing and receive nothing.

ALTER TABLE mothers ADD COLUMN next_checkin_at TEXT;
ALTER TABLE mothers ADD COLUMN last_prompt_local_date TEXT;    -- YYYY-MM-DD of the last slot used
ALTER TABLE mothers ADD COLUMN remind_at TEXT;                 -- the one missed-check-in reminder
ALTER TABLE mothers ADD COLUMN epds_step INTEGER NOT NULL DEFAULT 0;  -- journey offers handled

CREATE INDEX mothers_next_checkin ON mothers(next_checkin_at) WHERE next_checkin_at IS NOT NULL;
CREATE INDEX mothers_remind ON mothers(remind_at) WHERE remind_at IS NOT NULL;
CREATE INDEX mothers_unplanned ON mothers(id)
    WHERE next_checkin_at IS NULL AND status = 'active' AND consent = 'given';

CREATE TRIGGER mothers_replan AFTER UPDATE OF checkin_time, timezone, status, consent ON mothers
WHEN OLD.checkin_time IS NOT NEW.checkin_time OR OLD.timezone IS NOT NEW.timezone
  OR OLD.status IS NOT NEW.status OR OLD.consent IS NOT NEW.consent
BEGIN
    UPDATE mothers SET next_checkin_at = NULL, remind_at = NULL WHERE id = NEW.id;
END;

-- One row per scheduled message: written when her slot is claimed, marked when Telegram took it.
-- UNIQUE makes a claim idempotent; a row still pending after a crash is sent after the restart
-- (within the grace window) or expires. Rows older than a few days are pruned.
CREATE TABLE sends (
    id         INTEGER PRIMARY KEY,
    mother_id  INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                  -- checkin | reminder | snippet | epds_offer | low_nudge
    local_date TEXT NOT NULL,                  -- her local date of the slot
    due_at     TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'skipped', 'expired', 'failed')),
    reason     TEXT,                           -- why skipped or failed
    sent_at    TEXT,
    UNIQUE (mother_id, kind, local_date)
);
CREATE INDEX sends_pending ON sends(status, due_at);

CREATE INDEX reminders_by_mother ON reminders(mother_id, status);
