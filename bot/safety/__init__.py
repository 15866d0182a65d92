"""Safety: crisis detection in free text, escalation rules, and alerts to the care team.

The crisis detector lives in :mod:`bot.safety.lexicon` (with text normalisation in
:mod:`bot.safety.normalize`); it is imported from there so that importing this package stays
cheap for the modules that only need escalation or alerts.
"""
