"""Every menu button's handler, by the action name its buttons carry: one table written out,
so a handler exists because it is listed here, not because its module happened to be imported."""

from __future__ import annotations

from collections.abc import Mapping

from bot.conversation import free_text, learn_menu
from bot.conversation.menu import MenuHandler
from bot.scheduling import replies

MENU_ACTIONS: Mapping[str, MenuHandler] = {
    # The direct safety question after distress (bot/conversation/free_text.py).
    free_text.ANSWER: free_text.answer_question,
    free_text.READ: free_text.read_for_distress,
    free_text.GO_ON: free_text.go_on,
    free_text.CONTACT: free_text.ask_contact,
    free_text.URGENT: free_text.urgent_help,
    # /learn's topics (bot/conversation/learn_menu.py).
    learn_menu.READ: learn_menu.read_topic,
    learn_menu.RESTART: learn_menu.restart_topic,
    learn_menu.MENU: learn_menu.show_menu,
    # Answers to a scheduled prompt ("later" for the questionnaire).
    replies.SCHEDULE_ACTION: replies.on_schedule_button,
}
