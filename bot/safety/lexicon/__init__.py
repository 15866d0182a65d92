"""Free-text detection over a clinic-editable lexicon (``content/crisis_lexicon.yaml``, and the
distress and topic lexicons, which share the machinery).

Every incoming message is checked, whatever language the mother chose: she may write Ukrainian,
Russian, English or a mix of them. A match never decides anything clinical by itself; it makes
the bot answer with the crisis reply and lets a person at the clinic read the message, so the
lexicon errs toward escalation and only well-known everyday idioms are excluded.

The lexicon is data: a new phrase is a new YAML entry, never a Python change. Patterns are
regular expressions over :func:`matching_form` (normalised text without apostrophes). Ukrainian
or Russian typed in Latin letters ("ya ne hochu zhyty") is also read in Cyrillic
(:func:`~bot.safety.normalize.cyrillic_readings`), so the Cyrillic patterns cover it.

Phrases memorise; people do not repeat them. Measured on batches written blind, a phrase-only
lexicon that scored ~99% on its own corpus caught 50–75% of new crises, worst in Ukrainian and
Russian, whose free word order and endings multiply the phrasings. So the lexicon also has
concepts and proximity rules (:mod:`.schema_rules`, :class:`.model.Rule`).

One module per job, in the order a file travels through them:

* :mod:`.patterns` prepares a pattern staff wrote (macros, normalised letters);
* :mod:`.sre` parses it with CPython's private regex parser (pinned by tests), and
  :mod:`.reach` and :mod:`.anchors` analyse the tree: slow repeats refused, how many words a
  match spans, which word beginnings every match contains; :mod:`.compiled` puts that together;
* :mod:`.schema` and :mod:`.schema_rules` read and validate the YAML into a :class:`.Lexicon`
  (:mod:`.model`), every problem a :class:`~bot.yamlsrc.Problem`;
* :mod:`.index` files patterns under their anchors, :mod:`.words` indexes a message, and
  :mod:`.matcher` runs the lexicon over it, with :mod:`.exclusions` (idioms, ``unless``);
* :mod:`.examples` checks every example of the file at load time;
* :mod:`.detector` is what the bot holds: :class:`CrisisDetector`.

Start-up: each pattern is parsed once, and that one tree is checked for slow repeats, measured,
searched for anchors and compiled; with libyaml's parser for the file, building the whole
lexicon takes under two seconds. Each distinct pattern is prepared and compiled once per file
(Ukrainian and Russian rules often share one), and benign phrases (idioms, ``unless``,
retractions) get no anchors, which they never use.
"""

from bot.safety.lexicon.detector import CrisisDetector, LexiconError, validate_lexicon
from bot.safety.lexicon.form import matching_form
from bot.safety.lexicon.kinds import (
    CATEGORIES,
    DEFAULT_LEXICON,
    DETECTION_LANGUAGES,
    DISTRESS_CATEGORIES,
    KINDS,
)
from bot.safety.lexicon.model import CrisisMatch, Lexicon

__all__ = [
    "CATEGORIES",
    "DEFAULT_LEXICON",
    "DETECTION_LANGUAGES",
    "DISTRESS_CATEGORIES",
    "KINDS",
    "CrisisDetector",
    "CrisisMatch",
    "Lexicon",
    "LexiconError",
    "matching_form",
    "validate_lexicon",
]
