"""The detector the bot holds: one lexicon file, loaded, checked and ready to read messages."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.safety.lexicon.examples import check_examples
from bot.safety.lexicon.exclusions import Exclusions
from bot.safety.lexicon.form import her_words, matching_form
from bot.safety.lexicon.matcher import SPAN_LIMIT, Matcher
from bot.safety.lexicon.model import CrisisMatch, Lexicon
from bot.safety.lexicon.schema import load
from bot.safety.normalize import cyrillic_readings, surzhyk_readings
from bot.yamlsrc import Problem, display_path


class LexiconError(ValueError):
    """The lexicon file is invalid; ``problems`` lists every problem with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class CrisisDetector:
    """Finds a lexicon's phrases in free text; build it with :meth:`from_yaml`.

    ``prefilter=False`` runs every pattern over the whole text (see :class:`.Matcher`).
    """

    def __init__(self, lexicon: Lexicon, *, prefilter: bool = True) -> None:
        self.lexicon = lexicon
        self.matcher = Matcher(lexicon, prefilter)
        retractions = lexicon.retractions
        self._retractions = Exclusions(retractions).any if retractions else None

    @classmethod
    def from_yaml(cls, path: Path, kind: str = "crisis") -> CrisisDetector:
        """Load, validate and compile a lexicon; raises :class:`LexiconError` if it is invalid.

        Compiling takes a second or two, and start-up both validates and loads the file, so the
        result for the same file content is kept and reused. ``kind`` (see
        :data:`~bot.safety.lexicon.kinds.KINDS`) says which categories the file may use.
        """
        name = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            message = f"cannot read the lexicon: {exc.strerror}"
            raise LexiconError([Problem(name, 1, message)]) from exc
        built = _built(name, text, kind)
        if isinstance(built, tuple):
            raise LexiconError(list(built))
        return built

    def detect(self, text: str) -> CrisisMatch | None:
        """The best match in ``text``, or ``None``.

        Best means the category listed first in the lexicon; among equals, the earliest in the
        text. Ukrainian or Russian typed in Latin letters ("ya ne hochu zhyty") is also read in
        Cyrillic (:func:`cyrillic_readings`). The span is her own words behind the match
        (:func:`her_words`), as staff read it in the alert.
        """
        form = matching_form(text)
        best, searched = self.matcher.best(form), form
        for reading in cyrillic_readings(form) + surzhyk_readings(form):
            found = self.matcher.best(reading)
            if found is not None and (best is None or found[0] < best[0]):
                best, searched = found, reading
        if best is None:
            return None
        _, entry, span = best
        shown = her_words(text, searched, span)[:SPAN_LIMIT]
        return CrisisMatch(entry.category, entry.id, entry.language, shown)

    def judged_benign(self, text: str) -> bool:
        """Did the lexicon judge ``text`` everyday: an entry or rule that matched only to be
        cancelled by an idiom or its ``unless``, or an idiom alone?

        Call it where :meth:`detect` found nothing: then any match here was cancelled, i.e. the
        lexicon saw its words and judged this use of them everyday ("dying to sleep", "I can't do
        this anymore, the nappies leak"); an idiom names an everyday wording even where no entry
        reached it («пишу листа доньці, щоб відкрила на повноліття», which the crisis model had
        alerted on). The n-gram second opinions do not overrule that.
        """
        form = matching_form(text)
        return any(
            self.matcher.raw_match(reading) or self.matcher.idiom_in(reading)
            for reading in [form, *cyrillic_readings(form), *surzhyk_readings(form)]
        )

    def is_retraction(self, text: str) -> bool:
        """True when the message takes back an earlier one ("I didn't mean it", "я пожартувала").

        A message that itself matches the crisis lexicon is never a retraction: "I was joking,
        but I do want to die" must stay a crisis.
        """
        if self._retractions is None or not self._retractions.search(" " + matching_form(text)):
            return False
        return self.detect(text) is None


@lru_cache(maxsize=8)
def _built(name: str, text: str, kind: str = "crisis") -> CrisisDetector | tuple[Problem, ...]:
    lexicon, problems = load(name, text, kind)
    if lexicon is None:
        return tuple(problems)
    detector = CrisisDetector(lexicon)
    problems = check_examples(detector, lexicon)
    return tuple(problems) if problems else detector


def validate_lexicon(path: Path, kind: str = "crisis") -> list[Problem]:
    """Every problem in the lexicon file; ``[]`` when it is clean."""
    try:
        CrisisDetector.from_yaml(path, kind)
    except LexiconError as exc:
        return exc.problems
    return []
