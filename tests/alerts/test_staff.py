"""Staff actions work only in the staff chat (and for STAFF_USER_IDS when set); each is audited."""

from __future__ import annotations

from bot.conversation.messages import Author, ButtonRef, Incoming
from bot.conversation.service import Conversation
from bot.services import Catalog, Services
from tests.alerts.test_outbox import MOTHER, T0, consented_mother, crisis
from tests.conftest import STAFF_CHAT, with_config

NURSE = Author(chat_id=STAFF_CHAT, user_id=77, first_name="Nurse Iryna", chat_type="supergroup")


async def alert_status(services: Services) -> str:
    row = await services.db.fetchone("SELECT status FROM alerts")
    assert row is not None
    return str(row["status"])


async def audit_rows(services: Services) -> list[tuple[str, str]]:
    rows = await services.db.fetchall("SELECT actor, action FROM audit_log ORDER BY id")
    return [(r["actor"], r["action"]) for r in rows]


async def test_acknowledge_edits_alert_in_place_and_audits(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    press = Incoming(NURSE, "button", button=ButtonRef.staff(1, 0), message_id=42)
    [edit] = await Conversation(services).handle(press, T0)
    assert edit.edit_message_id == 42 and edit.chat_id == STAFF_CHAT
    assert "Acknowledged by Nurse Iryna (77)" in edit.text
    assert edit.notice == "Acknowledged"
    assert await alert_status(services) == "acknowledged"
    assert await audit_rows(services) == [("Nurse Iryna (77)", "acknowledged")]
    resolve = Incoming(NURSE, "button", button=ButtonRef.staff(1, 2), message_id=42)
    [edit] = await Conversation(services).handle(resolve, T0)
    assert edit.buttons == () and "Resolved by" in edit.text


async def test_forged_staff_button_from_a_mother_changes_nothing(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    forged = Incoming(MOTHER, "button", button=ButtonRef.staff(1, 2), message_id=3)
    [reply] = await Conversation(services).handle(forged, T0)
    assert reply.chat_id == MOTHER.chat_id and "only for the clinic's care team" in reply.text
    assert await alert_status(services) == "open"
    assert await audit_rows(services) == []


async def test_staff_user_ids_narrow_who_may_act(services: Services) -> None:
    narrowed = with_config(services, staff_user_ids=frozenset({1}))
    await consented_mother(narrowed)
    await crisis(narrowed)
    press = Incoming(NURSE, "button", button=ButtonRef.staff(1, 0), message_id=5)
    [reply] = await Conversation(narrowed).handle(press, T0)
    assert "only for the clinic's care team" in reply.text
    assert await alert_status(narrowed) == "open"


async def test_alerts_and_case_commands_only_in_staff_chat(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    conversation = Conversation(services)
    listing = await conversation.handle(Incoming(NURSE, "command", command="alerts"), T0)
    assert len(listing) == 1 and "Alert #1" in listing[0].text
    case = await conversation.handle(Incoming(NURSE, "command", command="case", args="1"), T0)
    assert "Alert #1" in case[0].text
    [refusal] = await conversation.handle(Incoming(MOTHER, "command", command="alerts"), T0)
    assert "only for the clinic's care team" in refusal.text


async def test_each_staff_command_runs_its_own_action_and_is_refused_to_a_mother(
    services: Services,
) -> None:
    """One list of staff commands: a name in it runs its own action (a name known to the
    refusal but not to the dispatch would silently run /case), and each is refused to her."""
    await consented_mother(services)
    await crisis(services)
    conversation = Conversation(services)
    usage = services.catalog.content.text("staff.case_usage", "en")
    assert set(conversation.staff.commands) == {"alerts", "case", "report", "caseload"}
    for name in conversation.staff.commands:
        replies = await conversation.handle(Incoming(NURSE, "command", command=name), T0)
        assert replies, name
        assert (replies[0].text == usage) == (name == "case"), name
        assert name in conversation.own_commands
        [refusal] = await conversation.handle(Incoming(MOTHER, "command", command=name), T0)
        assert "only for the clinic's care team" in refusal.text, name


async def test_chatter_in_staff_chat_is_ignored(services: Services) -> None:
    talk = Incoming(NURSE, "text", text="who is on call today?")
    assert await Conversation(services).handle(talk, T0) == []


async def test_an_older_button_never_reopens_a_resolved_alert(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    for button in (2, 0):  # Resolved, then Acknowledge on an older copy of the alert
        press = Incoming(NURSE, "button", button=ButtonRef.staff(1, button), message_id=7)
        [edit] = await Conversation(services).handle(press, T0)
    assert await alert_status(services) == "resolved"
    assert edit.buttons == ()
    assert [action for _, action in await audit_rows(services)] == ["resolved", "acknowledged"]


def test_every_answer_shown_to_staff_is_one_a_question_saves(catalog: Catalog) -> None:
    """content/staff.yaml → answers_shown names her answers (a question's ``save``), never a
    value a ``set`` step computes for a text."""
    shown = catalog.content.lookup("staff.answers_shown")
    assert shown
    asked = {
        f"{flow.id}.{key}"
        for flow in catalog.flows.values()
        for step in flow.steps.values()
        if step.type_name in ("choice", "input")
        for key in step.saves()
    }
    assert set(shown) <= asked, sorted(set(shown) - asked)
