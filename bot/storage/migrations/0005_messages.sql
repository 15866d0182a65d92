-- Her words: every text she writes (a message, a caption, an answer typed into a flow) with
-- its time and a short label of what the bot did with it ("crisis_reply", "answer:checkin.note",
-- "ui.no_flow" ...). Kept only after consent; shown to the care team in alerts and /case,
-- exported by /export, erased by /delete (ON DELETE CASCADE and erase.py), and pruned after
-- MESSAGE_RETENTION_DAYS.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    mother_id  INTEGER NOT NULL REFERENCES mothers(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                   -- text | caption | edit | command (the words after one)
    text       TEXT NOT NULL,
    handled    TEXT NOT NULL,                   -- what the bot did with it
    created_at TEXT NOT NULL
);
CREATE INDEX messages_by_mother ON messages(mother_id, id);
CREATE INDEX messages_by_time ON messages(created_at);
