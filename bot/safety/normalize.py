"""Text normalisation for crisis detection.

Mothers write at 3 a.m. on a phone: mixed case, three kinds of apostrophe, a Latin "o" inside a
Cyrillic word (the keyboards share keys), stretched letters ("dieeee", "помрууу"), no
punctuation or too much of it. The lexicon should not have to spell out every such variant, so
both the message and every lexicon pattern are reduced to one canonical form first:

* Unicode NFKC (full-width letters, ligatures), case-folding, stress marks removed, ``ё`` → ``е``
  and ``ґ`` → ``г`` (most phones make ``ґ`` hard to reach, so it is often typed as ``г``);
* every apostrophe variant (' ’ ʼ ` ´ ′ …) → ``'``, kept only between two letters;
* in a word that mixes Latin and Cyrillic letters, look-alike letters are mapped to the word's
  script ("пoмepти" with Latin o, e → all Cyrillic; "kіll" with Cyrillic і → all Latin);
* any run of a repeated letter → one letter ("killl", "kil" and "kill" all become "kil";
  "життя" becomes "житя"), which also absorbs the common typo of a missing double letter;
* everything that is not a letter, digit or apostrophe → a single space.

Some mothers type Ukrainian or Russian in Latin letters ("ya ne hochu zhyty", "hochu umeret").
:func:`cyrillic_readings` gives such a text's Cyrillic readings so the same lexicon applies; it
leaves English alone.

:func:`normalize` is idempotent and never raises. Whole-text steps are single C-level passes;
the word-level steps run once per distinct word and are cached, so a 20,000-character message
takes a few milliseconds and a typical one a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache, partial

# Apostrophe look-alikes: right/left single quotes, modifier letter apostrophe, modifier turned
# comma, grave accent, acute accent, prime, full-width apostrophe, single high-reversed-9 quote.
_APOSTROPHES = re.compile("[\u2019\u2018\u02bc\u02bb`\u00b4\u2032\uff07\u201b]")

# Combining grave and acute accents: stress marks in Ukrainian and Russian teaching texts.
_STRESS = re.compile("[\u0300\u0301]")

# Letters that look alike in Latin and Cyrillic (lower case, after case-folding). Upper-case
# look-alikes are included through their lower-case forms: Latin "H" folds to "h" and Cyrillic
# "Н" to "н", so h ↔ н; likewise b ↔ в, m ↔ м, t ↔ т, k ↔ к.
_LATIN_TO_CYRILLIC = {
    "a": "а",
    "b": "в",
    "c": "с",
    "e": "е",
    "h": "н",
    "i": "і",
    "k": "к",
    "m": "м",
    "o": "о",
    "p": "р",
    "t": "т",
    "x": "х",
    "y": "у",
}
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in _LATIN_TO_CYRILLIC.items()}
_TO_CYRILLIC = str.maketrans(_LATIN_TO_CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC_TO_LATIN)

_LETTERS = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_NON_WORD = re.compile(r"[^\w']+|_+")
_LONE_APOSTROPHE = re.compile(r"'+(?![^\W\d_])|(?<![^\W\d_])'+|'{2,}")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1")
_CACHED_WORD_LENGTH = 40  # longer "words" are rare and are not worth keeping in the cache


def normalize(text: str) -> str:
    """Return the canonical form of ``text`` that lexicon patterns are matched against."""
    text = unicodedata.normalize("NFKC", _APOSTROPHES.sub("'", text))
    text = unicodedata.normalize("NFKC", _STRESS.sub("", text.casefold()))
    text = _APOSTROPHES.sub("'", text).replace("ё", "е").replace("ґ", "г")
    words = (
        _cached_word(token) if len(token) <= _CACHED_WORD_LENGTH else _word(token)
        for token in text.split()
    )
    return " ".join(word for word in words if word)


def _word(token: str) -> str:
    """Normalise one whitespace-free token; may return several words or none."""
    if not token.isalnum():
        token = _NON_WORD.sub(" ", token)
        if "'" in token:
            token = _LONE_APOSTROPHE.sub(" ", token)
    if not token.isascii() and _LATIN.search(token) and _CYRILLIC.search(token):
        token = _LETTERS.sub(_fix_script, token)
    if _REPEATED_LETTER.search(token):
        token = _squeeze(token)
    return token if token.isalnum() else " ".join(token.split())


def _squeeze(token: str) -> str:
    """Collapse runs of one repeated letter ("dieee" → "die"); digits are left alone."""
    pairs = zip(token, " " + token[:-1], strict=True)
    return "".join(ch for ch, prev in pairs if ch != prev or not ch.isalpha())


_cached_word = lru_cache(maxsize=65536)(_word)


def _fix_script(match: re.Match[str]) -> str:
    """Map look-alike letters of a mixed-script word to the script the word is really in.

    A letter that exists in only one script (``d``, ``л``) decides; if the word has such
    letters from both scripts it is left alone (two words typed without a space). A word made
    only of look-alikes goes to its majority script, Cyrillic on a tie: the clinic is in Kyiv.
    """
    word = match.group()
    latin = _LATIN.findall(word)
    cyrillic = _CYRILLIC.findall(word)
    if not latin or not cyrillic:
        return word
    latin_only = any(ch not in _LATIN_TO_CYRILLIC for ch in latin)
    cyrillic_only = any(ch not in _CYRILLIC_TO_LATIN for ch in cyrillic)
    if latin_only and cyrillic_only:
        return word
    if cyrillic_only or (not latin_only and len(cyrillic) >= len(latin)):
        return word.translate(_TO_CYRILLIC)
    return word.translate(_TO_LATIN)


# ── Transliterated Ukrainian and Russian ─────────────────────────────────────────────────────

# Common English words (in normalised form: doubled letters already single). A Latin-letter
# text made mostly of these is English and gets no Cyrillic reading.
_ENGLISH_WORDS = """
    i im id ive il a an the to too of off on in at by for from with about into out up down
    and or but so if as than then that this these those there here what when where why how
    who which it its is was were be ben being am are do does did dont didnt doesnt cant wont
    not no yes my me mine you your he him his she her hers we us our they them their have has
    had can could wil would should shal may might must just realy very al any some every
    more most much many one two get got go going gona wana want need fel like know think
    baby sleep slep day night today tonight time now again still ok okay please thanks help
    lol omg tired mum mom husband
"""
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_LATIN_WORD = re.compile(r"[a-z]+")
# A transliterated text has at least one of these: common Ukrainian and Russian words that are
# not English words, and the beginnings of the words that matter most here.
_SLAVIC_MARKER = re.compile(
    r"(?<![a-z])(?:(?:ya|ja|ne|ni|nie|ty|mene|menya|meni|mne|mnie|sebe|sebya|hochu|khochu|"
    r"xochu|hochet\w*|hoch[ue]t\w*|mozhu|mogu|vzhe|uzhe|uje|vse|vsyo|vso|shcho|scho|shco|"
    r"chto|shto|sho|yak|kak|tse|eto|ale|dlya|bilshe|bolshe|duzhe|ochen|prosto|nema|nemaye|"
    r"net|vin|vona|vony|ona|oni|mozhe|mozhet|treba|nado|koly|kogda|zaraz|budu|bude|bulo|"
    r"bylo|yogo|ego|yiyi|yii|shchob|shob|chtoby|chtob|muzh|cholovik|dytyn\w*|rebenk\w*|"
    r"rebenok|na|vid|pro|tak|tut|nichoho|nichego|nichogo|sydzhu|syzhu|stoiu|stoyu|dumky|dumki|"
    r"mysli|strashno|pogano|pohano|vazhko|tyazhko|holovi|golovi|golove|vsi|vsim|vsem|chy|"
    r"mozhe|krashche|luchshe|bez|mene|zi|iz|vin|vona|sizhu|sidzhu|mashin\w*|garazh\w*|klyuch\w*|kljuch\w*|"
    r"maty|matir|mamoyu|mamoju|mamoj|poproshchal\w*|poproshhal\w*|nikchemn\w*|pochut\w*|chuvstv\w*)(?![a-z])|(?:pomer|pomr|umer|umr|vmer|vmr|ubi|vby|ubyu|zhy|zhi|pokin|pokon))"
)
# Longest first; per reading: Ukrainian (i → і, y → и) and Russian (i → и, y → ы).
_TRANSLIT_COMMON = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("ya", "я"),
    ("ja", "я"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("yo", "е"),
    ("jo", "е"),
)
_TRANSLIT_UK = (("ye", "є"), ("je", "є"), ("yi", "ї"), ("ji", "ї"), ("i", "і"), ("y", "и"))
_TRANSLIT_RU = (("ye", "е"), ("je", "е"), ("i", "и"), ("y", "ы"))
# Ukraine's official transliteration (passports, signs): h → г, ia / iu / ie → я / ю / є.
_TRANSLIT_UK_OFFICIAL = (("ia", "я"), ("iu", "ю"), ("ie", "є"), ("h", "г"), *_TRANSLIT_UK)
_TRANSLIT_LETTERS = dict(zip("abvgdezklmnoprstufhcjwxq", "абвгдезклмнопрстуфхцйвхк", strict=True))
_VOWELS = frozenset("aeiouyаеиіоуыяюєї")


def cyrillic_readings(form: str) -> list[str]:
    """Ukrainian and Russian readings of a normalised text typed in Latin letters.

    "ya ne hochu zhyty" reads as "я не хочу жити" (and "я не хочу жыты"; a third reading follows
    Ukraine's official scheme, "nichoho" → "нічого", "ia" → "я"); Cyrillic words stay
    as they are. A text without Latin words, one whose Latin words are mostly common English
    words, and one without any common Ukrainian or Russian word has no readings (``[]``). Soft
    signs are never typed in transliteration; the detector ignores them anyway.
    """
    words = _LATIN_WORD.findall(form)
    if not words or 2 * sum(word in _ENGLISH for word in words) > len(words):
        return []
    if not _SLAVIC_MARKER.search(form):
        return []
    return [
        _LATIN_WORD.sub(partial(_transliterate_match, table=table), form)
        for table in (_TRANSLIT_UK, _TRANSLIT_RU, _TRANSLIT_UK_OFFICIAL)
    ]


def _transliterate_match(match: re.Match[str], table: tuple[tuple[str, str], ...]) -> str:
    return _transliterate(match.group(), table)


@lru_cache(maxsize=4096)
def _transliterate(word: str, table: tuple[tuple[str, str], ...]) -> str:
    out: list[str] = []
    i = 0
    while i < len(word):
        # "y" after a vowel is "й" ("moy", "soboy"), unless it starts a "ya", "yu" …
        if word[i] == "y" and i and word[i - 1] in _VOWELS and word[i + 1 : i + 2] not in _VOWELS:
            out.append("й")
            i += 1
            continue
        for latin, cyrillic in (*_TRANSLIT_COMMON, *table):
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(_TRANSLIT_LETTERS.get(word[i], word[i]))
            i += 1
    return "".join(out)


_SURZHYK = re.compile(r"[бвгджзклмнпрстфхцчшщ]є")
_RUSSIANISED = str.maketrans({"є": "е", "і": "и", "ї": "и"})


def surzhyk_readings(form: str) -> list[str]:
    """A Russian-spelled reading of surzhyk: "є" after a consonant is Russian "е" written the
    Ukrainian way ("таблєткі", "лєзвія", "рєзалась"), so such a text is also read with є → е and
    і → и ("таблетки", "лезвия", "резалась") for the Russian patterns. ``[]`` otherwise."""
    if not _SURZHYK.search(form):
        return []
    return [form.translate(_RUSSIANISED)]
