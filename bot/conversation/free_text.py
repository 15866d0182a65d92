"""What the bot does with a message she writes in her own words (issue 11).

:func:`screen` is the one place that decides what a message is: a crisis (the crisis lexicon,
always first), distress (content/distress_lexicon.yaml), an everyday topic
(content/topic_lexicon.yaml), or nothing known. Its :attr:`Screening.label` — ``crisis``,
``distress``, ``topic:<id>`` or ``unmatched`` — is what a message log records as "what the bot
did with it"; :func:`respond` answers the non-crisis tiers and sets ``turn.outcome``.

- distress: a short reviewed acknowledgement and the daily check-in's safety question, asked
  directly (asking does not plant the idea). A flow waiting for a button pauses, as for a
  crisis. "Yes" / "I'd like to talk to someone" takes the urgent path of the check-in (rule
  ``distress_safety``: crisis reply and urgent alert); "No" offers a matching read, asking the
  clinic to contact her (routine alert ``contact_request``) or going on. At most one safety
  question (this one or the check-in's) per ``distress_question_hours``; distress on
  ``distress_days_alert`` separate days within ``distress_window_days`` is a routine alert.
- topic: the topic's acknowledgement and its read (content/free_text.yaml → topics).
- unmatched: the honest reply — no one reads this chat live, her message is kept for the care
  team — and buttons: check in, read, ask the clinic to contact me, urgent help.

Every word she reads comes from content/*.yaml; nothing here composes text. Her distressed
message and its matched words are kept as answers of the pseudo-flow ``distress`` (deleted with
her data, shown in /case), so the alert after "Yes" shows staff the words that fired it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import parse_iso
from bot.conversation.crisis import raise_triggers
from bot.conversation.learn import next_snippet
from bot.conversation.menu import menu_ref
from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.conversation.turn import Turn
from bot.safety.ngram import CONCERN_ENTRY, CRISIS_ENTRY, acts_on, in_cyrillic
from bot.storage import dialog
from bot.storage.dialog import StoredSession

if TYPE_CHECKING:
    from bot.services import Catalog

SECOND_OPINION = "second_opinion"  # the category of a message only a model flagged
FLOW = "distress"  # the pseudo-flow her distress answers are saved under
ASKED, SEEN, SAFETY = "asked", "seen", "safety"
SAFETY_VALUES = ("yes", "no", "talk")
ANSWER = "dq"  # dq:<yes|no|talk> — her answer to the direct question
READ = "dread"  # dread:<category> — the read that fits her distress
GO_ON = "dgo"  # "go on" with no flow to continue
CONTACT = "contact"  # ask the clinic to contact me (routine alert)
URGENT = "urgent"  # urgent help: the numbers


@dataclass(frozen=True)
class Screening:
    """What a message is, and the lexicon words behind it (shown to staff in alerts)."""

    tier: str  # "crisis" | "distress" | "topic" | "none"
    category: str | None = None
    entry_id: str | None = None
    span: str | None = None

    @property
    def label(self) -> str:
        if self.tier == "topic":
            return f"topic:{self.category}"
        return "unmatched" if self.tier == "none" else self.tier


def screen(catalog: Catalog, text: str) -> Screening:
    """The lexicons first (crisis, then distress); where neither matched, the crisis model's
    second opinion (an urgent alert), then the concern model's (the distress question); then a
    topic. The first that matches decides. Neither model overrules a lexicon that saw its words
    and judged the use everyday ("dying for a nap")."""
    if not text or not text.strip():
        return Screening("none")
    for tier, detector in (("crisis", catalog.detector), ("distress", catalog.distress)):
        match = detector.detect(text) if detector is not None else None
        if match is not None:
            return _matched(tier, match)
    if acts_on(text):
        thresholds = catalog.escalation.thresholds
        suffix = _language_suffix(text)
        opinions = (
            ("crisis", catalog.urgent_opinion, "urgent_second_opinion_score", CRISIS_ENTRY),
            ("distress", catalog.second_opinion, "second_opinion_score", CONCERN_ENTRY),
        )
        for tier, model, threshold, entry in opinions:
            least = thresholds.get(threshold + suffix)
            if model is None or least is None or model.score(text) < least:
                continue
            if judged_benign(catalog, text):  # asked only now: it costs a lexicon pass
                break
            return Screening(tier, SECOND_OPINION, entry, ", ".join(model.top_words(text)))
    match = catalog.topics.detect(text) if catalog.topics is not None else None
    if match is not None:
        return _matched("topic", match)
    return Screening("none")


def model_threshold(catalog: Catalog, name: str, text: str) -> float | None:
    """A model's threshold for the language ``text`` is written in: ``name`` for English,
    ``name_uk`` for Ukrainian or Russian (Cyrillic, or Latin letters that read as them). The
    models score the two on different scales, so each language has the thresholds at which
    its own everyday messages are flagged equally rarely (bot/safety/ngram_cv.py)."""
    return catalog.escalation.thresholds.get(name + _language_suffix(text))


def _language_suffix(text: str) -> str:
    return "_uk" if in_cyrillic(text) else ""


def lexicons_only(catalog: Catalog) -> Catalog:
    """The catalog without its models: what the lexicons alone make of a message."""
    return replace(catalog, second_opinion=None, urgent_opinion=None)


def _matched(tier: str, match: Any) -> Screening:
    return Screening(tier, match.category, match.entry_id, getattr(match, "span", None))


def judged_benign(catalog: Catalog, text: str) -> bool:
    """Did a lexicon see words of ``text`` and judge this use of them everyday (an idiom, an
    ``unless``)? Neither model overrules that."""
    return any(
        detector is not None and detector.judged_benign(text)
        for detector in (catalog.distress, catalog.detector)
    )


def waits_for_text(turn: Turn, stored: StoredSession | None) -> bool:
    """Is a running flow waiting for her to type an answer (her name, a check-in note)?"""
    if stored is None or stored.paused or not stored.state.waiting:
        return False
    flow = turn.services.catalog.flows.get(stored.state.flow)
    step = flow.steps.get(stored.state.step) if flow is not None else None
    return getattr(step, "type_name", "") == "input"


async def respond(turn: Turn, screening: Screening, stored: StoredSession | None) -> str | None:
    """Answer a message that is not a crisis; the label of what was done, or ``None`` when the
    message belongs to the running flow (a flow waiting for a button handles text itself)."""
    value = await _typed_answer(turn) if turn.consented else None
    if value is not None:
        await answer_question(turn, value)
        turn.outcome = f"answer:{FLOW}.{SAFETY}"
        return turn.outcome
    if screening.tier == "distress" and turn.consented:
        await _distress(turn, screening, stored)
        turn.outcome = "distress"
        return turn.outcome
    if stored is not None:
        return None
    if screening.tier == "topic" and _topic_texts(turn, screening.category):
        await _topic(turn, str(screening.category))
        turn.outcome = screening.label
        return turn.outcome
    if turn.consented:
        turn.say("free_text.unmatched.text", _unmatched_buttons(turn))
    else:
        turn.say("ui.no_flow")  # before consent nothing is kept: no such promise
    turn.outcome = "unmatched"
    return turn.outcome


# ── Distress ─────────────────────────────────────────────────────────────────────────────────


async def _distress(turn: Turn, screening: Screening, stored: StoredSession | None) -> None:
    category = str(screening.category)
    record = {
        "category": category,
        "lexicon_entry": screening.entry_id,
        "matched": screening.span,
        "message": turn.incoming.text[:1000],
    }
    ask = not await _asked_recently(turn)
    await dialog.add_answer(turn.tx, turn.mother_id, FLOW, ASKED if ask else SEEN, record, turn.now)
    await _count_days(turn, category)
    ack = turn.text(f"free_text.distress.categories.{category}.ack")
    if ask:
        if stored is not None:
            await turn.save_session(stored.state, paused=True)
        question = turn.text("checkin.safety.question")
        buttons = [
            _button(turn, f"checkin.safety.{value}", menu_ref(ANSWER, value))
            for value in SAFETY_VALUES
        ]
        text = f"{ack}\n\n{turn.text('free_text.distress.ask_intro')}\n{question}"
        turn.replies.append(Outgoing(turn.chat_id, text, one_per_row(buttons)))
        return
    # Asked lately: no second interrogation; the acknowledgement and what she can do now.
    if stored is not None:
        await turn.save_session(stored.state, paused=True)
    turn.replies.append(
        Outgoing(turn.chat_id, ack, one_per_row(await _options(turn, category, stored)))
    )


async def _asked_recently(turn: Turn) -> bool:
    """Was a safety question (this one, or the check-in's) asked within the window, or did she
    tell us of a crisis in it? After the crisis reply and an urgent alert, the question would
    ask her what she has just said: she gets the acknowledgement and what she can do now."""
    hours = turn.services.catalog.escalation.thresholds.get("distress_question_hours", 12)
    since = turn.now - timedelta(hours=float(hours))
    mother = turn.mother
    if mother is not None and mother.crisis_at and parse_iso(mother.crisis_at) >= since:
        return True
    questions = [(FLOW, ASKED), ("checkin", "safety")]
    return await dialog.answered_since(turn.tx, turn.mother_id, since, questions)


async def _count_days(turn: Turn, category: str) -> None:
    """Distress on several separate days of her week: a routine alert (rule distress_days)."""
    thresholds = turn.services.catalog.escalation.thresholds
    window = int(thresholds.get("distress_window_days", 7))
    times = await dialog.answer_times(turn.tx, turn.mother_id, FLOW, (ASKED, SEEN))
    today = turn.local_today()
    days = sorted(
        {
            day
            for day in (parse_iso(at).astimezone(turn.zone).date() for at in times)
            if (today - day).days < window
        }
    )
    triggers = turn.services.catalog.escalation.on_distress(
        {"days": len(days), "category": category}
    )
    if triggers and days:
        await raise_triggers(turn, triggers, dedup=f"{turn.mother_id}:{days[0].isoformat()}")


async def _typed_answer(turn: Turn) -> str | None:
    """Her direct question's answer typed instead of tapped: a button's label («так», "No") or
    its number, the rule a flow's buttons follow (bot/engine/steps/asking.py). A typed "yes"
    to "have you had thoughts … of hurting yourself?" once got the honest reply and no alert."""
    typed = turn.incoming.text.strip().casefold()
    for index, value in enumerate(SAFETY_VALUES):
        label = turn.text(f"checkin.safety.{value}").strip().casefold()
        if typed in (str(index + 1), label):
            return value if await _pending(turn, value) is not None else None
    return None


async def _pending(turn: Turn, value: str) -> tuple[int, dict[str, Any]] | None:
    """Her last direct question with its record, while ``value`` may still answer it: when
    she has not answered yet, or answered "No" and now says otherwise (the clinical notes:
    anything but a clear "No" is urgent, also on second thoughts)."""
    asked = await dialog.last_answer(turn.tx, turn.mother_id, FLOW, ASKED)
    if asked is None:
        return None
    given = await dialog.values_after(turn.tx, turn.mother_id, FLOW, SAFETY, asked[0])
    answers = [json.loads(raw) for raw in given]
    if answers and (value == "no" or any(answer != "no" for answer in answers)):
        return None
    return int(asked[0]), json.loads(asked[1])


async def answer_question(turn: Turn, value: str) -> None:
    """Her answer to the direct question: anything but "No" is the check-in's urgent path."""
    pending = await _pending(turn, value) if value in SAFETY_VALUES else None
    if pending is None:
        turn.say("ui.expired")
        return
    asked_id, record = pending
    await dialog.add_answer(turn.tx, turn.mother_id, FLOW, SAFETY, value, turn.now)
    triggers = turn.services.catalog.escalation.on_answer(FLOW, SAFETY, {"value": value})
    for trigger in triggers:
        trigger.detail.update(record)
    if triggers:
        await raise_triggers(turn, triggers, dedup=f"{turn.mother_id}:{asked_id}")
    if value == "no":
        stored = await turn.session()
        category = str(record.get("category"))
        turn.say("free_text.distress.after_no", await _options(turn, category, stored))


async def _options(turn: Turn, category: str, stored: StoredSession | None) -> list[Button]:
    """A read that fits, asking the clinic to contact her, or going on."""
    go_on = menu_ref("continue") if stored is not None else GO_ON
    buttons = []
    if turn.services.catalog.content.lookup(f"free_text.distress.categories.{category}.snippet"):
        buttons.append(_button(turn, "free_text.distress.read_button", menu_ref(READ, category)))
    buttons += [
        _button(turn, "free_text.contact.button", CONTACT),
        _button(turn, "free_text.distress.go_on_button", go_on),
    ]
    return buttons


async def read_for_distress(turn: Turn, category: str) -> None:
    content = turn.services.catalog.content
    snippet_id = content.lookup(f"free_text.distress.categories.{category}.snippet")
    snippet = await next_snippet(turn, None, snippet_id) if isinstance(snippet_id, str) else None
    if snippet is None:
        turn.say("ui.expired")
        return
    turn.replies.append(snippet)
    if await turn.session() is not None:
        turn.replies[-1] = Outgoing(
            turn.chat_id,
            turn.replies[-1].text,
            one_per_row([_button(turn, "ui.continue_button", "continue")]),
        )


async def go_on(turn: Turn, _argument: str) -> None:
    turn.say("free_text.distress.go_on")


# ── Contact and urgent help ──────────────────────────────────────────────────────────────────


async def ask_contact(turn: Turn, _argument: str) -> None:
    """A routine alert "she asked to be contacted", at most one a day; honest about when."""
    triggers = turn.services.catalog.escalation.on_request("contact")
    if not triggers:
        turn.say("free_text.contact.saved")
        return
    today = turn.local_today().isoformat()
    created = await raise_triggers(turn, triggers, dedup=f"{turn.mother_id}:{today}")
    if not created:
        turn.say("free_text.contact.already")
    elif turn.services.config.staff_chat_id is None:
        turn.say("free_text.contact.saved")
    else:
        turn.say("free_text.contact.sent")


async def urgent_help(turn: Turn, _argument: str) -> None:
    turn.say("free_text.urgent.text", [_button(turn, "free_text.contact.button", CONTACT)])


# ── Topics and the unmatched reply ───────────────────────────────────────────────────────────


def _topic_texts(turn: Turn, category: str | None) -> bool:
    return turn.services.catalog.content.has_text(f"free_text.topics.{category}.ack")


async def _topic(turn: Turn, category: str) -> None:
    content = turn.services.catalog.content
    turn.say(f"free_text.topics.{category}.ack")
    snippet_id = content.lookup(f"free_text.topics.{category}.snippet")
    learn_topic = content.lookup(f"free_text.topics.{category}.learn_topic")
    if isinstance(snippet_id, str) or isinstance(learn_topic, str):
        snippet = await next_snippet(
            turn,
            learn_topic if isinstance(learn_topic, str) else None,
            snippet_id if isinstance(snippet_id, str) else None,
        )
        if snippet is not None:
            turn.replies.append(snippet)
    # The buttons go under the read, or under the acknowledgement when every read was seen.
    turn.replies[-1] = Outgoing(
        turn.chat_id, turn.replies[-1].text, one_per_row(_unmatched_buttons(turn))
    )


def _unmatched_buttons(turn: Turn) -> list[Button]:
    return [
        _button(turn, "free_text.unmatched.checkin_button", "flow:checkin"),
        _button(turn, "free_text.unmatched.read_button", "learn_menu"),
        _button(turn, "free_text.contact.button", CONTACT),
        _button(turn, "free_text.urgent.button", URGENT),
    ]


def _button(turn: Turn, key: str, action: str) -> Button:
    return Button(turn.text(key), ButtonRef.menu(action))
