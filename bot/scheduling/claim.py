"""Claiming due slots: deciding what today brings her, and recording it before anything is sent.

A claim writes ``sends`` rows and moves her slot to the next day in one transaction, so a crash
either leaves the slot unclaimed (it is claimed after the restart) or leaves pending rows (they
are sent after the restart): never a second prompt for the same local day. A slot that fell due
more than the grace window ago (the bot was down) is passed over, not sent late.

On a slot day, in order of precedence: a gentle nudge if she went quiet after a low check-in
(with a routine alert to the care team, written in the same transaction, exactly once per low
check-in); else a screening offer on its journey day or 14 days after a 10–12 result; else the
check-in prompt, preceded by a short read on snippet days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.config import Config
from bot.safety.alerting import Subject, raise_alerts
from bot.safety.escalation import Escalation
from bot.scheduling.cadence import Cadence
from bot.scheduling.localtime import in_quiet_hours
from bot.scheduling.planner import journey_start, local_date, next_slot
from bot.storage import schedule
from bot.storage.tx import Tx

GRACE = timedelta(hours=1)
RECENT_EPDS = timedelta(days=10)  # no journey offer right after she did the questionnaire
MISSED_AFTER_LOW = "missed_after_low"


@dataclass(frozen=True)
class Policy:
    config: Config
    cadence: Cadence
    escalation: Escalation
    grace: timedelta = GRACE

    def zone_of(self, timezone: str | None) -> str:
        return timezone or self.config.timezone


@dataclass
class ClaimCount:
    slots: int = 0
    passed_over: int = 0
    sends: int = 0
    alerts: int = 0


async def claim_slots(tx: Tx, policy: Policy, now: datetime, limit: int) -> ClaimCount:
    """Claim up to ``limit`` due slots; the writes go in two statements for the whole batch
    (one round trip each to SQLite's thread, which dominated the profile when done per row)."""
    count = ClaimCount()
    batch = Batch()
    for row in await schedule.due_slots(tx, now, limit):
        count.slots += 1
        await _claim(tx, policy, row, now, count, batch)
    count.sends += await schedule.add_sends(tx, batch.sends)
    await schedule.move_slots(tx, batch.moves)
    return count


@dataclass
class Batch:
    sends: list[tuple[int, str, str, str]] = field(default_factory=list)
    moves: list[tuple[str, str | None, int, str | None, int]] = field(default_factory=list)

    def move(
        self,
        mother_id: int,
        next_at: datetime,
        local_date: str | None,
        remind_at: datetime | None,
        step: int,
    ) -> None:
        remind = iso(remind_at) if remind_at else None
        self.moves.append((iso(next_at), remind, step, local_date, mother_id))


async def _claim(
    tx: Tx,
    policy: Policy,
    row: schedule.SlotRow,
    now: datetime,
    count: ClaimCount,
    batch: Batch,
) -> None:
    zone = policy.zone_of(row.timezone)
    day = local_date(row.due_at, zone)
    quiet = policy.config.quiet_hours
    if now - row.due_at > policy.grace:
        count.passed_over += 1
        catch_up = next_slot(row.checkin_time, zone, now - policy.grace, quiet, day)
        batch.move(row.id, catch_up, None, None, row.epds_step)
        return
    following = next_slot(row.checkin_time, zone, now, quiet, day)
    kinds, step = await _decide(tx, policy, row, day, now, count)
    due = iso(row.due_at)
    batch.sends += [(row.id, kind, day.isoformat(), due) for kind in kinds]
    remind = reminder_at(row.due_at, policy, zone) if "checkin" in kinds else None
    batch.move(row.id, following, day.isoformat(), remind, step)


async def _decide(
    tx: Tx,
    policy: Policy,
    row: schedule.SlotRow,
    day: date,
    now: datetime,
    count: ClaimCount,
) -> tuple[list[str], int]:
    if await _missed_after_low(tx, policy, row, day, now):
        count.alerts += 1  # a screening offer due today keeps: it comes with the next slot
        return ["low_nudge"], row.epds_step
    step = row.epds_step
    offer = False
    if row.baby_birth_date:
        offer, step = policy.cadence.epds_offer_on(
            day, date.fromisoformat(row.baby_birth_date), step
        )
    if offer and row.last_epds_at and now - parse_iso(row.last_epds_at) < RECENT_EPDS:
        offer = False
    if row.epds_reminder:
        await schedule.consume_epds_reminders(tx, row.id, iso(now))
        offer = True
    if offer:
        return ["epds_offer"], step
    kinds = ["checkin"] if row.checkin_time else []
    since = journey_start(row.baby_birth_date, row.created_at, policy.zone_of(row.timezone))
    if policy.cadence.snippet_topics_on(day, since):
        kinds.insert(0, "snippet")
    return kinds, step


async def _missed_after_low(
    tx: Tx, policy: Policy, row: schedule.SlotRow, day: date, now: datetime
) -> bool:
    """Her last check-in was low and she has been quiet since: write the alert; True if new."""
    if row.last_mood is None:
        return False
    answer_id, value, created_at = row.last_mood
    escalation = policy.escalation
    if not isinstance(value, int | float) or value > escalation.threshold("low_mood_max"):
        return False
    days = (day - local_date(parse_iso(created_at), policy.zone_of(row.timezone))).days
    if days < escalation.threshold("missed_after_low_days"):
        return False
    triggers = escalation.on_schedule(MISSED_AFTER_LOW, {"days_since_low": days})
    subject = Subject(row.id, row.pseudonym)
    return bool(await raise_alerts(tx, subject, triggers, f"{row.id}:{answer_id}", now))


def reminder_at(due: datetime, policy: Policy, zone_name: str) -> datetime | None:
    """One reminder some hours after the prompt; earlier if that would be in quiet hours
    (an hour before they start), and none if even that is too soon after the prompt."""
    zone = ZoneInfo(zone_name)
    quiet = policy.config.quiet_hours
    at = due + policy.cadence.reminder_after
    if not in_quiet_hours(at, zone, quiet):
        return at
    assert quiet is not None
    local = due.astimezone(zone)
    start = local.replace(hour=quiet.start_minute // 60, minute=quiet.start_minute % 60)
    earlier = (start - timedelta(hours=1)).astimezone(due.tzinfo)
    if earlier - due >= timedelta(hours=1) and not in_quiet_hours(earlier, zone, quiet):
        return earlier
    return None


async def claim_reminders(tx: Tx, policy: Policy, now: datetime, limit: int) -> int:
    """Missed-check-in reminders due now become ``sends`` rows (sent only if still missed)."""
    due_now = await schedule.due_reminders(tx, now, limit)
    await schedule.clear_reminders(tx, [mother_id for mother_id, *_ in due_now])
    rows = [
        (mother_id, "reminder", last or local_date(due, policy.zone_of(zone)).isoformat(), iso(due))
        for mother_id, due, zone, last in due_now
        if now - due <= policy.grace
    ]
    return await schedule.add_sends(tx, rows)
