"""/caseload: who needs a call, one message per list, each mother with a button to her case.

Names appear only here, in the staff chat; the HTML file and the charts carry counts only.
A button opens /case on her latest alert (a mother with no alert yet is listed without one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.reports.figures import Caseload
from bot.reports.words import Words
from bot.safety.alert_text import OPEN_CASE
from bot.storage.reports import CaseRow

LISTED = 15  # per list: more than this and the message says how many more


def caseload_messages(
    caseload: Caseload,
    words: Words,
    chat_id: int,
    now: datetime,
    *,
    cutoff: int,
    streak: int,
) -> list[Outgoing]:
    lists: tuple[tuple[str, list[CaseRow], dict[str, int]], ...] = (
        ("high_epds", caseload.high_epds, {"cutoff": cutoff}),
        ("low_streak", caseload.low_streak, {"streak": streak}),
        ("silent", caseload.silent, {}),
    )
    out = []
    for kind, rows, extra in lists:
        lines = [words.t(f"caseload.{kind}", count=len(rows), **extra)]
        if not rows:
            lines.append(words.t("caseload.none"))
        lines += [_line(kind, row, words, now) for row in rows[:LISTED]]
        if len(rows) > LISTED:
            lines.append(words.t("caseload.more", count=len(rows) - LISTED))
        buttons = [_button(row, words) for row in rows[:LISTED] if row.alert_id is not None]
        out.append(Outgoing(chat_id, "\n".join(lines), one_per_row(buttons)))
    return out


def who(row: CaseRow) -> str:
    name = row.name or row.pseudonym
    return f"{name} (@{row.username})" if row.username else name


def _line(kind: str, row: CaseRow, words: Words, now: datetime) -> str:
    silent_days = (now - row.at) // timedelta(days=1)
    text = words.t(
        f"caseload.{kind}_line",
        name=who(row),
        value=row.value,
        date=words.day(row.at),
        days=silent_days,
    )
    return f"• {text}"


def _button(row: CaseRow, words: Words) -> Button:
    label = words.t("caseload.open_button", alert=row.alert_id, name=row.name or row.pseudonym)
    return Button(label[:60], ButtonRef.staff(row.alert_id or 0, OPEN_CASE))
