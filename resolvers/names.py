"""Profile names: what a name may be, and when two names are too alike to both exist.

Members know each other only by profile name, so a name is how a member recognises
her facilitator, the online manager and the people in her group. A name that can be
mistaken for someone else's lets its owner speak as them, so two names that look
alike are treated as one name: each name has a *key* (``name_key``), and the
``users.name_key`` column is unique, which also settles two look-alikes registering
at the same instant. A member's name may not present her as staff or as the service
either (``presents_as_staff``); staff, made only at the command line, may use titles.

The key follows the skeletons of Unicode TR39 (UTS #39, section 4) with a compact
table of our own instead of all of ``confusables.txt``: names are first limited to
letters of one script, combining marks, ASCII digits and a little punctuation
(``name_problem``), which leaves Latin, Cyrillic and Greek look-alikes, digits written
for letters and letter pairs such as "rn" for "m" as the ways to imitate a name.
Python libraries were weighed: ``confusable-homoglyphs`` and ``confusables`` offer
look-alike tests between characters or lists of candidate spellings, not one
prototype per character, so they cannot give the single key a unique index needs.
"""

from __future__ import annotations

import re
import unicodedata

from models.accounts import FORMER_MEMBER

MIN_LENGTH = 2
MAX_LENGTH = 60
MAX_MARKS = 3  # combining marks on one letter: Vietnamese and Thai need up to 2 or 3

CHARACTERS = "A profile name is 2 to 60 letters, digits, spaces, dots, dashes or apostrophes."
MIXED_SCRIPTS = (
    "A profile name is written in one alphabet; this one mixes letters of different "
    "scripts, which can make it look like someone else's."
)
PRESENTS_AS_STAFF = (
    "Profile names may not suggest a role at Haven (such as facilitator or online "
    "manager); choose another."
)

# What phones and word processors type for an apostrophe or a dash.
TYPOGRAPHIC = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2013": "-"}
)
PUNCTUATION = frozenset(" .-'")
SEPARATORS = re.compile(r"[ .\-'_]+")

# Invisible letters: a name made of them, or padded with them, looks like another.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u17b4\u17b5")
# Modifier letters that belong to a script's spelling; the rest are phonetic symbols.
SPELLING_MODIFIERS = frozenset("\u3005\u309d\u309e\u30fc\u30fd\u30fe\u0e46\u0ec6")
# Scripts written together: Japanese, Chinese with Bopomofo, Korean (TR39, section 5.2).
TOGETHER = (
    frozenset({"Han", "Hiragana", "Katakana", "Latin"}),
    frozenset({"Han", "Bopomofo", "Latin"}),
    frozenset({"Han", "Hangul", "Latin"}),
)
# The combining marks that decorate Latin, Greek and Cyrillic letters ("é", "ё"):
# the key drops them, so "Zoë" and "Zoe" are one name.
DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _named(prefix: str, prototypes: dict[str, str]) -> dict[str, str]:
    """Characters given by their Unicode names, so that no look-alike hides in the source."""
    return {unicodedata.lookup(f"{prefix}{name}"): proto for name, proto in prototypes.items()}


def _table(look_alikes: dict[str, str]) -> dict[int, str]:
    """The table for ``str.translate``, each entry followed to its last prototype.

    ``translate`` makes one pass, so the Cyrillic ze (which looks like "3") must map
    straight to "e", as "3" does.
    """
    table = {}
    for char, prototype in look_alikes.items():
        while (further := "".join(look_alikes.get(c, c) for c in prototype)) != prototype:
            prototype = further
        table[ord(char)] = prototype
    return table


# Capitals that look like another letter's capital, applied before case folding:
# the Greek capital eta looks like H while its small form looks like n.
CAPITALS = _table(
    {
        **_named("CYRILLIC LETTER ", {"PALOCHKA": "l"}),
        **_named(
            "CYRILLIC CAPITAL LETTER ",
            {
                "A": "A", "VE": "B", "IE": "E", "ZE": "3", "DZE": "S",
                "BYELORUSSIAN-UKRAINIAN I": "l", "JE": "J", "KA": "K", "EM": "M", "EN": "H",
                "O": "O", "ER": "P", "ES": "C", "TE": "T", "U": "Y", "HA": "X",
                "STRAIGHT U": "Y", "QA": "Q", "WE": "W", "SOFT SIGN": "b", "KOMI SJE": "G",
                "SHHA": "h",
            },
        ),
        **_named("GREEK CAPITAL ", {"LUNATE SIGMA SYMBOL": "C"}),
        **_named(
            "GREEK CAPITAL LETTER ",
            {
                "ALPHA": "A", "BETA": "B", "EPSILON": "E", "ZETA": "Z", "ETA": "H",
                "IOTA": "l", "KAPPA": "K", "MU": "M", "NU": "N", "OMICRON": "O", "RHO": "P",
                "TAU": "T", "UPSILON": "Y", "CHI": "X", "YOT": "J",
            },
        ),
    }
)  # fmt: skip
# Small letters, after case folding, that look like a Latin letter, and digits
# written for letters ("J0nes", "h4ven", "Bi11"). A capital I looks like a small l,
# and case does not count, so "i" is "l" too: "BiII" is "Bill".
SMALL = _table(
    {
        "i": "l",
        "0": "o", "1": "l", "2": "z", "3": "e", "4": "a", "5": "s", "6": "b", "7": "t",
        "9": "g",
        **_named("CYRILLIC SMALL LETTER ", {"PALOCHKA": "l"}),
        **_named(
            "CYRILLIC SMALL LETTER ",
            {
                "A": "a", "VE": "b", "GHE": "r", "IE": "e", "UKRAINIAN IE": "e", "ZE": "3",
                "BYELORUSSIAN-UKRAINIAN I": "i", "JE": "j", "KA": "k", "EM": "m", "EN": "h",
                "O": "o", "BARRED O": "o", "FITA": "o", "PE": "n", "ER": "p", "ES": "c",
                "TE": "t", "U": "y", "STRAIGHT U": "y", "HA": "x", "SHA": "w", "OMEGA": "w",
                "DZE": "s", "IZHITSA": "v", "SHHA": "h", "KOMI DE": "d", "QA": "q", "WE": "w",
                "SOFT SIGN": "b", "HARD SIGN": "b", "YERU": "bl",
            },
        ),
        **_named("GREEK ", {"LUNATE SIGMA SYMBOL": "c", "LETTER YOT": "j"}),
        **_named(
            "GREEK SMALL LETTER ",
            {
                "ALPHA": "a", "BETA": "b", "GAMMA": "y", "EPSILON": "e", "ETA": "n",
                "IOTA": "i", "KAPPA": "k", "NU": "v", "OMICRON": "o", "PI": "n", "RHO": "p",
                "SIGMA": "o", "TAU": "t", "UPSILON": "u", "CHI": "x", "OMEGA": "w",
            },
        ),
        # Latin letters that are another letter with a stroke or a hook, or phonetic
        **_named(
            "LATIN SMALL LETTER ",
            {
                "DOTLESS I": "i", "DOTLESS J": "j", "ALPHA": "a", "SCRIPT G": "g",
                "IOTA": "i", "I WITH STROKE": "i", "KRA": "k", "L WITH STROKE": "l",
                "L WITH BAR": "l", "L WITH MIDDLE TILDE": "l", "O WITH STROKE": "o",
                "D WITH STROKE": "d", "ETH": "d", "D WITH TAIL": "d", "D WITH HOOK": "d",
                "H WITH STROKE": "h", "H WITH HOOK": "h", "T WITH STROKE": "t",
                "T WITH HOOK": "t", "B WITH STROKE": "b", "B WITH HOOK": "b",
                "F WITH HOOK": "f", "OPEN E": "e", "ENG": "n", "N WITH LEFT HOOK": "n",
                "V WITH HOOK": "u", "GAMMA": "y", "Y WITH HOOK": "y", "Y WITH STROKE": "y",
                "Z WITH STROKE": "z", "Z WITH HOOK": "z", "Z WITH RETROFLEX HOOK": "z",
                "S WITH HOOK": "s", "P WITH HOOK": "p", "K WITH HOOK": "k",
                "G WITH HOOK": "g", "G WITH STROKE": "g", "J WITH STROKE": "j",
                "R WITH STROKE": "r", "R WITH TAIL": "r", "THORN": "p", "AE": "ae",
            },
        ),
        **_named("LATIN SMALL LIGATURE ", {"OE": "oe"}),
        **_named("LATIN LETTER SMALL CAPITAL ", {c.upper(): c for c in "abcdefghijklmnoprstuvwyz"}),
        # Katakana, Hiragana and Han shapes that are one another
        **_named(
            "",
            {
                "KATAKANA LETTER RO": "\u53e3", "KATAKANA LETTER E": "\u5de5",
                "KATAKANA LETTER KA": "\u529b", "KATAKANA LETTER NI": "\u4e8c",
                "KATAKANA LETTER HA": "\u516b", "KATAKANA LETTER TO": "\u535c",
                "KATAKANA LETTER TA": "\u5915", "KATAKANA-HIRAGANA PROLONGED SOUND MARK": "\u4e00",
                "HIRAGANA LETTER HE": "\u30d8",
            },
        ),
    }
)  # fmt: skip
# Letter pairs that read as one letter, after the table above: "rn" as "m", "vv" as "w".
PAIRS = (("rn", "m"), ("vv", "w"))


def normalise_profile_name(name: str) -> str:
    """The name as it will be stored and shown: NFKC, plain punctuation, single spaces.

    NFKC turns fullwidth and styled letters (a fullwidth or a bold "Mary") into plain
    ones, so the stored name is the one people read and the checks see real letters.
    Curly apostrophes and hyphens become the plain ones a keyboard types.
    """
    name = unicodedata.normalize("NFKC", name).translate(TYPOGRAPHIC)
    return " ".join(name.split())


def name_problem(name: str, staff: bool = False) -> str | None:
    """Why a normalised name cannot be a profile name, or ``None`` if it can.

    ``staff`` (made at the command line) may carry a title such as "Dr"; nobody may use
    invisible characters or mix scripts, and the look-alike rule (``name_key``) binds all.
    """
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH or not _allowed_characters(name):
        return CHARACTERS
    if _mixes_scripts(name):
        return MIXED_SCRIPTS
    if not staff and presents_as_staff(name):
        return PRESENTS_AS_STAFF
    return None


def name_key(name: str) -> str:
    """What a name looks like, as one string: names with the same key are too alike.

    In the spirit of a TR39 skeleton: accents dropped, look-alike letters and digits
    folded to one prototype, case folded, letter pairs read as one letter, and the
    spaces, dots, dashes, underscores and apostrophes between words left out, so that
    "Mary Jones", "mary.jones", "MaryJones", "Mary Jones" with a Cyrillic "a" and
    "Mary J0nes" share the key "maryjones".
    """
    text = unicodedata.normalize("NFD", normalise_profile_name(name)).translate(CAPITALS)
    text = unicodedata.normalize("NFD", text.casefold())
    text = SEPARATORS.sub("", DIACRITICS.sub("", text).translate(SMALL))
    for pair, letter in PAIRS:
        text = text.replace(pair, letter)
    return unicodedata.normalize("NFC", text)


def presents_as_staff(name: str) -> bool:
    """Whether a name reads as a role at Haven, a title, or the service itself.

    Compared on keys, so "h4ven", "Online-Manager" and "FACILITATOR" are caught: most
    words anywhere in the name ("Haven Team"), short ones only as a whole word, so that
    "Dr Smith" and "Dr. Smith" are refused and "Drew" and "Stafford" are not.
    """
    key = name_key(name)
    if any(word in key for word in _RESERVED_ANYWHERE):
        return True
    return any(name_key(word) in _RESERVED_WORDS for word in _words(name))


def freed_name(user_id: int) -> str:
    """The profile name, and key, that a closed profile keeps once its own is freed.

    Its own name becomes free for someone new, so that registering it never hints that
    a closed profile had it; others see a closed profile as "Former member" whatever is
    stored. The "#" is refused in every name, staff's included, so nobody can hold this
    one first; it is a single word so that the research export, which redacts members'
    names word by word, does not redact "former" or "member" in what was said.
    """
    return f"#closed-profile-{user_id}"


def _allowed_characters(name: str) -> bool:
    """Letters, their combining marks, ASCII digits, spaces, dots, dashes, apostrophes.

    Refuses format characters (zero-width joiners, bidirectional controls), invisible
    letters, symbols, and digits of other scripts, which can look like Latin letters
    (the Arabic-Indic five looks like an "o"). A name starts with a letter or a digit
    and does not end with a space, dash or apostrophe; a combining mark follows a
    letter, three at most.
    """
    if not (_is_letter(name[0]) or _is_digit(name[0])) or name[-1] in " -'":
        return False
    marks = 0
    after_letter = False
    for char in name:
        if unicodedata.category(char) in ("Mn", "Mc"):
            marks += 1
            if not after_letter or marks > MAX_MARKS or not _is_combining(char):
                return False
            continue
        marks = 0
        after_letter = _is_letter(char)
        if not (after_letter or _is_digit(char) or char in PUNCTUATION):
            return False
    return True


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _is_letter(char: str) -> bool:
    category = unicodedata.category(char)
    if char in INVISIBLE:
        return False
    return category in ("Lu", "Ll", "Lt", "Lo") or char in SPELLING_MODIFIERS


def _is_combining(mark: str) -> bool:
    """A mark that shapes its letter, not a variation selector or grapheme joiner."""
    return not (
        mark == "\u034f"
        or "\ufe00" <= mark <= "\ufe0f"
        or "\U000e0100" <= mark <= "\U000e01ef"
        or "\u180b" <= mark <= "\u180f"
    )


def _mixes_scripts(name: str) -> bool:
    scripts = {
        _script(char)
        for char in name
        if _is_letter(char) or unicodedata.category(char) in ("Mn", "Mc")
    } - {"Combining"}
    return len(scripts) > 1 and not any(scripts <= together for together in TOGETHER)


def _script(char: str) -> str:
    """A letter's script, from its Unicode name ("CYRILLIC SMALL LETTER A": Cyrillic).

    Python's ``unicodedata`` has no script property, but every letter allowed in a
    name is named after its script, and combining marks shared by scripts are named
    "COMBINING ...".
    """
    word = unicodedata.name(char, "").split(" ", 1)[0]
    if word in ("CJK", "IDEOGRAPHIC"):
        return "Han"
    if word.startswith("KATAKANA"):  # also the "KATAKANA-HIRAGANA" marks
        return "Katakana"
    return word.title()


def _words(name: str) -> list[str]:
    """The words of a name, "DrSmith" and "HavenTeam" split where a capital follows."""
    spaced = "".join(
        f" {char}" if char.isupper() and before.islower() else char
        for before, char in zip(" " + name, name, strict=False)
    )
    return [word for word in SEPARATORS.split(spaced) if word]


_RESERVED_ANYWHERE = frozenset(
    name_key(word)
    for word in (
        "Online Manager",
        "Facilitator",
        "Specialist",
        "Doctor",
        "Haven",
        "Admin",
        "Moderator",
        "Psychologist",
        FORMER_MEMBER,
    )
)
_RESERVED_WORDS = frozenset(name_key(word) for word in ("Dr", "Staff"))
