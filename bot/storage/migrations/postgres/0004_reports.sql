-- PostgreSQL translation of ../0004_reports.sql: the report's indexes and the alert_timeline
-- view, unchanged (the SQL is common to both).

CREATE INDEX alerts_by_created ON alerts(created_at);
CREATE INDEX alerts_by_mother ON alerts(mother_id);

CREATE INDEX audit_by_alert ON audit_log(alert_id, action, at);

CREATE INDEX assessments_by_time ON assessments(kind, created_at);

CREATE INDEX answers_mood ON answers(mother_id, created_at, value)
    WHERE flow = 'checkin' AND key = 'mood';

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
