-- PostgreSQL translation of ../0006_workers.sql: claim leases on the outbox and the sends
-- ledger, and the one sending pace all workers share. Booking a slot is one call of
-- poruch_book_send (one round trip per message): it locks her chat's row, then the bot's row,
-- reads the database's clock only once both are held, and grants a slot only if it is free now,
-- so no queue forms here and each worker's own lanes still decide what goes next.

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE sends ADD COLUMN claimed_by TEXT;
ALTER TABLE sends ADD COLUMN claimed_until TEXT;

CREATE TABLE send_pace (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    next_at DOUBLE PRECISION NOT NULL
);
INSERT INTO send_pace (id, next_at) VALUES (1, 0);

CREATE TABLE chat_pace (
    chat_id BIGINT PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);

-- global_wait > 0: no slot for anyone yet; chat_wait > 0: none for this chat yet (scheduled
-- messages keep 1 s per chat); both 0: granted at granted_at. Chat row first, then the bot's
-- row, always in that order, so two bookings never wait for each other in a circle. A granted
-- chat is held for chat_hold seconds: Telegram counts a chat's second from when the message
-- arrived, which only the worker sending it learns (its answer); it then sets the chat's next
-- slot one second after that (bot/storage/pace.py, sent).
CREATE FUNCTION poruch_book_send(
    chat BIGINT,
    per_chat BOOLEAN,
    step DOUBLE PRECISION,
    chat_hold DOUBLE PRECISION,
    late DOUBLE PRECISION,
    OUT global_wait DOUBLE PRECISION,
    OUT chat_wait DOUBLE PRECISION,
    OUT granted_at DOUBLE PRECISION
) LANGUAGE plpgsql AS $$
DECLARE
    chat_next DOUBLE PRECISION;
    global_next DOUBLE PRECISION;
    now_s DOUBLE PRECISION;
BEGIN
    global_wait := 0;
    chat_wait := 0;
    INSERT INTO chat_pace (chat_id, next_at) VALUES (chat, 0) ON CONFLICT (chat_id) DO NOTHING;
    SELECT next_at INTO chat_next FROM chat_pace WHERE chat_id = chat FOR UPDATE;
    SELECT next_at INTO global_next FROM send_pace WHERE id = 1 FOR UPDATE;
    now_s := extract(epoch FROM clock_timestamp());
    IF per_chat AND chat_next > now_s THEN
        chat_wait := chat_next - now_s;
        RETURN;
    END IF;
    IF global_next > now_s THEN
        global_wait := global_next - now_s;
        RETURN;
    END IF;
    UPDATE send_pace SET next_at = GREATEST(global_next, now_s - late) + step WHERE id = 1;
    UPDATE chat_pace SET next_at = now_s + chat_hold WHERE chat_id = chat;
    granted_at := now_s;
END
$$;
