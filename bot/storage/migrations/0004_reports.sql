-- What the clinic lead's report reads (bot/storage/reports.py), and the alert audit made
-- queryable. Indexes only, and one view: no data changes, nothing for the bot's hot path to do
-- beyond keeping four small indexes up to date.

-- Alerts of a period, and every alert of one mother (the caseload's "contacted since").
CREATE INDEX alerts_by_created ON alerts(created_at);
CREATE INDEX alerts_by_mother ON alerts(mother_id);

-- The staff actions on one alert (who acknowledged, contacted, resolved, and when).
CREATE INDEX audit_by_alert ON audit_log(alert_id, action, at);

-- Screenings of a period.
CREATE INDEX assessments_by_time ON assessments(kind, created_at);

-- Check-in moods only (one row of the six a check-in saves): adherence, streaks and silences
-- read this small covering index, never the whole answers table.
CREATE INDEX answers_mood ON answers(mother_id, created_at, value)
    WHERE flow = 'checkin' AND key = 'mood';

-- One row per alert: when it was raised, delivered, acknowledged, contacted and resolved, and
-- by whom (the first audit row of each action). For the report and for anyone with read access
-- to the database: SELECT * FROM alert_timeline WHERE created_at >= '2026-12-01'.
CREATE VIEW alert_timeline AS
SELECT
    a.id AS alert_id,
    a.pseudonym,
    a.priority,
    a.rule,
    a.status,
    a.created_at,
    a.delivered_at,
    a.acknowledged_at,
    a.repeats,
    (SELECT actor FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'acknowledged'
        ORDER BY l.id LIMIT 1) AS acknowledged_by,
    (SELECT MIN(at) FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'contacted')
        AS contacted_at,
    (SELECT actor FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'contacted'
        ORDER BY l.id LIMIT 1) AS contacted_by,
    (SELECT MIN(at) FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'resolved')
        AS resolved_at,
    (SELECT actor FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'resolved'
        ORDER BY l.id LIMIT 1) AS resolved_by
FROM alerts a;
