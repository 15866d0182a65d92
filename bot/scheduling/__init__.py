"""Scheduled messages at national scale: daily check-in prompts, reminders, snippets, offers.

``localtime`` (DST-correct local times) → ``planner`` (her next daily slot) → ``claim`` (what
today brings, recorded in ``sends``) → ``prompts`` (rendered when it is sent) → ``scheduler``
(the tick that ties them to the :class:`bot.sender.Sender`). SQL lives in ``store``; the
cadence numbers in ``content/schedule.yaml`` (``cadence``).
"""
