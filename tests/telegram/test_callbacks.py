"""Buttons already sent keep working: Telegram stores their callback data for as long as the
message exists, so the wire format must not change when the code's names do. The strings
below were made by the format as it has been since the first release."""

from __future__ import annotations

import pytest

from bot.conversation.messages import ButtonRef
from bot.telegram.callbacks import CallbackCodec

CODEC = CallbackCodec("s" * 64)
SENT_BEFORE = [
    ("a|7|2|YGtU6YzXDe", ButtonRef.answer(question_seq=7, option_index=2)),
    ("s|42|1|onssQ9dFFH", ButtonRef.staff(alert_id=42, action_index=1)),
    ("m|learn:self_care|LgBMcgWV61", ButtonRef.menu("learn:self_care")),
]


@pytest.mark.parametrize(("data", "ref"), SENT_BEFORE)
def test_a_button_sent_before_still_decodes_to_what_it_meant(data: str, ref: ButtonRef) -> None:
    assert CODEC.decode(data) == ref


@pytest.mark.parametrize(("data", "ref"), SENT_BEFORE)
def test_a_button_is_encoded_byte_for_byte_as_before(data: str, ref: ButtonRef) -> None:
    assert CODEC.encode(ref) == data


def test_an_altered_button_is_refused() -> None:
    assert CODEC.decode("s|43|1|onssQ9dFFH") is None
