"""A small clinic with known answers, written straight into the database.

Times are Kyiv (UTC+2 in winter); the clinic works Mon-Fri 09:00-18:00 (content/clinic.yaml).
The report period is the week 2026-11-23 (Mon) 00:00 to 2026-11-30 00:00 Kyiv time.

Alerts (minutes to acknowledge / to contacted):
- #1 urgent, Mon 10:00 (day):      ack 2,  contacted 30
- #2 urgent, Tue 11:00 (day):      ack 4,  contacted 50
- #3 urgent, Wed 12:00 (day):      ack 10, never contacted; repeated once
- #4 urgent, Tue 23:00 (night):    ack 20, contacted 90; repeated twice
- #5 routine, Thu 14:00 (day):     ack 60, contacted 240
- #6 routine, Sat 03:00 (night):   ack 3000, not contacted, still open (Iryna's)
- #7 routine, before the period:   not counted in the period, still open (age 9.5 days)

EPDS (first, latest) of the mothers screened in the period:
- Olena   (1): 15 (1 Nov) then 8
- Iryna   (2): 12 then 14 -> latest >= 13 and nobody marked 'contacted' since -> caseload
- Marta   (3): 9 only
- Sofia   (4): 20 then 11 with item 10 = 1; her alert #1 was contacted after it -> not listed
Caseload as of the period's end: Daryna (5) low three times in a row, her last 12 Nov (a
streak, and silent 17 days); Kateryna (6) low 27-29 Nov (a streak).
Adherence: Olena joined Mon 23 Nov and checked in Mon, Tue (twice) and Thu: 3 of 7 days in
week 1. The others joined 1 Nov: week 4 (22-28 Nov) has 6 days in the period, week 5 one;
Kateryna checked in 24, 27, 28 (week 4) and 29 (week 5).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.storage.tx import Tx

KYIV = ZoneInfo("Europe/Kyiv")
SINCE = datetime(2026, 11, 23, tzinfo=KYIV)
UNTIL = datetime(2026, 11, 30, tzinfo=KYIV)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=KYIV)


def kyiv(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=KYIV)


MOTHERS = {  # id: (name, username, joined)
    1: ("Olena", "olena_k", kyiv(23, 9)),
    2: ("Iryna", None, kyiv(1, 9)),
    3: ("Marta", None, kyiv(1, 9)),
    4: ("Sofia", None, kyiv(1, 9)),
    5: ("Daryna", None, kyiv(1, 9)),  # low-mood streak, then silent
    6: ("Kateryna", None, kyiv(1, 9)),  # three low moods in a row, recent
}
# (id, mother, priority, rule, created, ack after min, contacted after min, repeats, resolved)
ALERTS = [
    (1, 4, "urgent", "epds_item10", kyiv(23, 10), 2, 30, 0, False),
    (2, 1, "urgent", "crisis_message", kyiv(24, 11), 4, 50, 0, True),
    (3, 1, "urgent", "checkin_safety", kyiv(25, 12), 10, None, 1, False),
    (4, 5, "urgent", "crisis_message", kyiv(24, 23), 20, 90, 2, True),
    (5, 6, "routine", "low_mood_streak", kyiv(26, 14), 60, 240, 0, True),
    (6, 2, "routine", "epds_probable", kyiv(28, 3), 3000, None, 0, False),
    (7, 6, "routine", "low_mood_streak", kyiv(20, 12), None, None, 0, False),
]
# (mother, score, q10, at)
SCREENINGS = [
    (1, 15, 0, kyiv(1, 10)),
    (1, 8, 0, kyiv(25, 10)),
    (2, 12, 0, kyiv(10, 10)),
    (2, 14, 0, kyiv(24, 10)),
    (3, 9, 0, kyiv(27, 10)),
    (4, 20, 0, kyiv(5, 10)),
    (4, 11, 1, kyiv(23, 9, 50)),
]
# (mother, mood, at)
MOODS = [
    (1, 4, kyiv(23, 9, 30)),
    (1, 3, kyiv(24, 9)),
    (1, 5, kyiv(24, 20)),
    (1, 4, kyiv(26, 9)),
    (5, 1, kyiv(10, 9)),
    (5, 2, kyiv(11, 9)),
    (5, 1, kyiv(12, 9)),  # her last: low, 18 days before NOW -> silent
    (6, 4, kyiv(24, 9)),
    (6, 2, kyiv(27, 9)),
    (6, 1, kyiv(28, 9)),
    (6, 2, kyiv(29, 9)),  # her last three low -> streak
]


async def seed(tx: Tx) -> None:
    for mother_id, (name, username, joined) in MOTHERS.items():
        await tx.execute(
            "INSERT INTO mothers (id, chat_id, pseudonym, language, consent, consent_at, name,"
            " username, baby_birth_date, created_at, updated_at)"
            " VALUES (?, ?, ?, 'en', 'given', ?, ?, ?, ?, ?, ?)",
            (
                mother_id,
                9000 + mother_id,
                f"m-{mother_id:04d}",
                iso(joined),
                name,
                username,
                (joined.date() - timedelta(weeks=4)).isoformat(),
                iso(joined),
                iso(joined),
            ),
        )
    for alert_id, mother, priority, rule, created, ack, contacted, repeats, done in ALERTS:
        status = "resolved" if done else "contacted" if contacted else "acknowledged"
        if ack is None:
            status = "open"
        await tx.execute(
            "INSERT INTO alerts (id, mother_id, pseudonym, priority, rule, detail, dedup_key,"
            " status, created_at, delivered_at, acknowledged_at, repeats)"
            " VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                mother,
                f"m-{mother:04d}",
                priority,
                rule,
                f"seed:{alert_id}",
                status,
                iso(created),
                iso(created + timedelta(seconds=5)),
                iso(created + timedelta(minutes=ack)) if ack is not None else None,
                repeats,
            ),
        )
        actions = [("system", "delivered", created + timedelta(seconds=5))]
        if ack is not None:
            actions.append(("Iryna (77)", "acknowledged", created + timedelta(minutes=ack)))
        if contacted is not None:
            actions.append(("Oksana (78)", "contacted", created + timedelta(minutes=contacted)))
        if done:
            actions.append(("Oksana (78)", "resolved", created + timedelta(days=1)))
        for actor, action, at in actions:
            await tx.execute(
                "INSERT INTO audit_log (actor, action, alert_id, subject, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (actor, action, alert_id, f"m-{mother:04d}", iso(at)),
            )
    for mother, score, q10, at in SCREENINGS:
        items = {f"q{n}": 1 for n in range(1, 10)} | {"q10": q10}
        await tx.execute(
            "INSERT INTO assessments (mother_id, kind, score, items, created_at)"
            " VALUES (?, 'epds', ?, ?, ?)",
            (mother, score, json.dumps(items), iso(at)),
        )
    for mother, mood, at in MOODS:
        await tx.execute(
            "INSERT INTO answers (mother_id, flow, key, value, created_at)"
            " VALUES (?, 'checkin', 'mood', ?, ?)",
            (mother, json.dumps(mood), iso(at)),
        )


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
