"""Deny-by-default anonymiser for the research export.

Members are promised that what they say cannot be traced back to them, so the rule is the
reverse of a redaction list: a capitalised word is a name unless it is a common English word
opening a sentence or on a short allow-list (I, NHS, GP, MRI, Mum, Macmillan…), and numbers
go unless they count something small. Names typed in lower case are caught when they are
given names or follow a cue ("my friend jenny", "Dr patel", "moved to whitby").

Placeholders: ``[person]``, ``[place]`` (towns, regions, countries), ``[address]`` (streets,
with house and flat numbers), ``[institution]`` (hospitals, hospices, schools, surgeries,
universities, employers, charities, shops…), ``[date]`` (dates, years, decades, months,
weekdays, holidays, clock times), ``[age]``, ``[number]``, ``[email]``, ``[phone]``,
``[postcode]``, ``[NHS number]``. A title stays and the name after it collapses into one
placeholder ("Dr Sarah Jones" → "Dr [person]"); so does a possessive ("Dave's" →
"[person]'s"). The type is a guess from context; that the text is gone is the guarantee.

Numbers: a count of twelve or less survives ("3 cycles", "two weeks"), and so do a stage,
grade, cycle or day ("stage 4", "day 14") and a measurement ("4.5cm"); every other number is
replaced, as a larger count ("22 years at the school") starts to narrow down who is speaking.

The word lists ship beside this module: ``anonymise_words.txt`` (common lower-case English
words, most frequent first, proper nouns left out) and ``anonymise_names.txt`` (given names).
Known limit: a surname or place that is also a common word survives when typed in lower case
with no cue, or when it opens a sentence ("baker said", "Reading is lovely").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from models import GROUP_TIMEZONE

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
PHONE = re.compile(r"(?:\+44\s?\(?0?\)?|\b0)\d(?:[\s-]?\d){8,9}\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
DISTRICT = re.compile(r"\b(?!(?:B12|B6|D3|[TN][0-4]|M[01])\b)[A-Z]{1,2}\d{1,2}[A-Z]?\b")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _alt(words: str) -> str:
    return "|".join(words.split())


UNITS = _alt(
    "weeks? days? months? years? yrs? hours? hrs? minutes? mins? nights? times? cycles? rounds?"
    " sessions? doses? treatments? tablets? pills? scans? appointments? operations? lots? kids?"
    " children grandchildren grandkids sons? daughters? people friends members percent % more x"
)
ORDINALS = _alt(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
    " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
    " twenty-first twenty-second twenty-third twenty-fourth twenty-fifth twenty-sixth"
    " twenty-seventh twenty-eighth twenty-ninth thirtieth thirty-first"
)
TENS = _alt("twenty thirty forty fifty sixty seventy eighty ninety")
ONES = _alt("one two three four five six seven eight nine")
TEENS = _alt("thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
NUMBER_WORD = rf"(?:(?:{TENS})(?:[- ](?:{ONES}))?|{TEENS}|{ONES}|ten|eleven|twelve|a hundred)"
BIG_NUMBER_WORD = re.compile(
    rf"\b(?:(?:{TENS})(?:[- ](?:{ONES}))?|{TEENS}|hundred|thousand|"
    r"(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)ieth)\b",
    re.I,
)
MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
ANY_MONTH = rf"(?:{MONTH}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{ORDINALS})"
YEAR = r"(?:19|20)\d{2}"
STREETS = _set(
    "road rd street lane avenue ave close drive way crescent gardens grove place terrace court"
    " square row walk mews rise house"
)
ADDRESS = re.compile(
    r"\b((?:flat|apartment|apt)\s+\d+[a-z]?,?\s+)?(\d{1,4}[a-z]?,?\s+)?"
    rf"((?:[a-z][\w']*\s+){{1,3}})(?:{_alt(' '.join(sorted(STREETS)))})\b",
    re.I,
)
# Ages come before dates, dates before names: each pass leaves placeholders the next keeps.
AGES = [
    re.compile(rf"\b(\d{{1,3}}|{NUMBER_WORD})()(?=[- ](?:years?|yrs?)[- ]old\b|\s?yo\b)", re.I),
    re.compile(
        r"\b(i'?m|i am|i was|he's|she's|he is|she is|he was|she was|they're|you're|we're|is|"
        r"was|turned|turns|turning|turn|aged|age|ages|age of|at)((?:\s+(?:only|just|nearly|"
        rf"almost|barely|about))?\s+)(1[01]\d|\d{{1,2}})\b(?!\s*(?:%|:|[.,]\d|o'clock)|\s+(?:{UNITS})\b)",
        re.I,
    ),
    re.compile(
        r"\b(i'?m|i am|he's|she's|he is|she is|they're|who is|who's|aged|turned|turns|turning|"
        rf"age of|(?:was|is) only)(\s+){NUMBER_WORD}\b(?!\s+(?:{UNITS})\b)",
        re.I,
    ),
    re.compile(
        r"\b(in (?:my|his|her|their|your|our)\s+)((?:early|mid|mid-|late)\s*)?"
        r"(?:\d0s|teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b",
        re.I,
    ),
]
MONTHS = re.compile(
    rf"\b(?:{WEEKDAY},?\s+)?(?:the\s+)?{DAY}\s+(?:of\s+)?{ANY_MONTH}\b(?:,?\s+{YEAR}\b)?|"
    rf"\b(?:{WEEKDAY},?\s+)?{ANY_MONTH}\s+{DAY}\b(?!\s+(?:{UNITS})\b)(?:,?\s+{YEAR}\b)?|"
    rf"\b{WEEKDAY}\s+the\s+\d{{1,2}}(?:st|nd|rd|th)\b|\b(?:mid-?)?{MONTH}(?:\s+{YEAR})?\b|"
    rf"\b{ANY_MONTH}\s+{YEAR}\b",
    re.I,
)
DATES = [
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}/\d{1,2}\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\b\.?)?|\b\d{1,2}(?:\.\d{2})?\s*[ap]\.?m\b\.?", re.I),
    MONTHS,
    re.compile(
        rf"\b{WEEKDAY}\b|\bboxing day\b|\bbonfire night\b|\b(?:mother|father|valentine)'?s day\b"
        r"|\bnew year'?s?(?: eve| day)?\b|\bchristmas(?: eve| day)?\b|\beaster(?: sunday| monday)?"
        r"\b|\b(?:halloween|diwali|eid|hanukkah)\b",
        re.I,
    ),
    re.compile(rf"\b{YEAR}s?\b|'\d0s\b|'\d{{2}}\b|\b\d0s\b"),
    re.compile(rf"\b(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\b(?!\s+(?:{UNITS}|round|cycle|dose)\b)"),
]
DATE_CUES = _set("in last next since until till early mid late of by this before after")
MODAL_NEXT = _set("i we you he she they it be god")

TOKEN = re.compile(r"\[[^\]\n]*\]|A&E|[^\W_]+(?:['-][^\W_]+)*|\s+|.", re.S)
ALLOWED = _set(
    "I I'm I've I'd I'll OK Ok UK NHS GP GPs A&E MRI CT PET ICU ITU HRT PICC CPR DNR HER2 BRCA"
    " BRCA1 BRCA2 PSA IV II III TV GCSE GCSEs A-level A-levels Year Mum Mam Mom Dad Nan Nana"
    " Nanna Gran Granny Grandad Grandma Grandpa God Oh Macmillan Covid COVID COVID-19 Zoom"
)
I_WORDS = _set("I I'm I've I'd I'll")
TITLES = _set("dr mr mrs ms mx prof")
CUES = _set(
    "husband wife partner son daughter friend mum dad mother father brother sister nan gran"
    " grandson granddaughter boyfriend girlfriend fiance fiancé niece nephew aunt auntie uncle"
    " cousin neighbour colleague boss nurse consultant oncologist surgeon doctor professor miss"
    " grandad grandma grandpa stepson stepdaughter stepmum stepdad mate pal vicar priest rabbi"
    " imam carer counsellor physio therapist specialist registrar sir dame lady lord rev"
    " reverend called named"
)
PLACE_CUES = _set("in at from to near outside around towards into")
TRAVEL = _set(
    "down up over back moved move moving went go going gone drove drive flew fly came come"
    " coming travelled trip holiday way next close get got out across round"
)
WORK_CUES = _set("work works worked working job employed volunteer volunteers")
INSTITUTIONS = _set(
    "hospital hospitals infirmary school academy surgery university hospice centre center"
    " clinic trust college practice primary nursery foundation council charity church ward"
    " wing unit suite ltd plc"
)
PREFIXES = _set("Royal Queen King General St Saint North South East West Great")
CONNECTORS = _set("of the and & upon de la le van von da du st saint")
SPLITTERS = _set("of the and &")  # where a run without an institution word is cut
NAME_NEXT = _set(
    "from said says told tells asked came comes went rang phoned called texted sent drove took"
    " brought has had is was and thinks thought wants wanted helped cried laughed sat stayed"
    " died passed loves loved knows got made keeps kept"
)
COUNTED = _set("stage grade type cycle round day week dose session level step")
SENTENCE_END = frozenset('.!?:;"“”—\n')  # typographic quotes end a sentence too


@cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(common words, the 200 commonest of them, given names), read once from the data."""

    def lines(name: str) -> list[str]:
        text = files("resolvers").joinpath(name).read_text(encoding="utf-8")
        return [w for w in (line.strip() for line in text.splitlines()) if w and w[0] != "#"]

    words = lines("anonymise_words.txt")
    return frozenset(words), frozenset(words[:200]), frozenset(lines("anonymise_names.txt"))


def _months(match: re.Match[str]) -> str:
    """A date, or the text as it was where "may" or "march" is the verb ("May I ask")."""
    found = match.group(0)
    if " " in found or found.lower() not in ("may", "march"):
        return "[date]"
    before = match.string[: match.start()].split()[-1:]
    after = match.string[match.end() :].split()[:1]
    if before and before[0].lower() in DATE_CUES:
        return "[date]"
    modal = bool(after) and after[0].lower().strip(",.?!") in MODAL_NEXT
    return "[date]" if found[0].isupper() and not modal else found


def _is_name(word: str, before: list[str], nxt: str, possessive: bool) -> bool:
    """Whether a word is a name: the heart of the rule. ``before`` is empty at a sentence's
    start, where a common word is a name only if it is a given name acting as one."""
    common, function_words, given = _vocabulary()
    low, prev = word.lower(), (before or [""])[-1]
    cued = prev in CUES or prev in TITLES
    if any(c.isdigit() for c in word):
        return False
    if word[0].isupper():
        if word in ALLOWED or low in TITLES or low in CUES:
            return False
        if (low in INSTITUTIONS or low in STREETS) and not cued:
            return False  # "Hospital" is a name only as part of one: "Mrs Lane" is a person
        if word.isupper() and len(word) > 1 and low in common:
            return False  # shouting, not a name
        if before or low not in common:
            return True
        return low in given and (possessive or nxt.lower() in NAME_NEXT or nxt == ",")
    if low in common:
        return low not in function_words and (prev in TITLES or (cued and low in given))
    travel = prev != "to" or (len(before) > 1 and before[-2] in TRAVEL)  # not "to vape"
    return low in given or cued or (prev in PLACE_CUES and travel)


def _joins(tokens: list[str], words: list[int], n: int, m: int, *, left: bool) -> bool:
    """Whether word ``n`` (going left) or ``m`` (going right) belongs to the run beside it."""
    i, j = words[n], words[m]
    if tokens[i + 1 : j] != [" "]:
        return False
    word = tokens[i] if left else tokens[j]
    low = word.lower()
    if low in CONNECTORS:  # only between two capitalised words: "University of Leeds"
        k = n - 1 if left else m + 1
        if not 0 <= k < len(words):
            return False
        gap = tokens[words[k] + 1 : i] if left else tokens[j + 1 : words[k]]
        return gap == [" "] and tokens[words[k]][0].isupper()
    if left:
        return word in PREFIXES or (word[0].isupper() and low in INSTITUTIONS)
    if word[0].isupper():
        return word not in I_WORDS
    after_saint = n > 0 and tokens[words[n - 1]].lower() in ("st", "saint")
    if low in INSTITUTIONS or low in STREETS:  # "st james's hospital", not "Dave's house"
        return not tokens[i].endswith("'s") or after_saint
    base = low.removesuffix("'s")  # "milton keynes", "st james's"
    return tokens[i].islower() and base not in _vocabulary()[0] and base.isalpha()


def _kind(run: list[str], before: list[str]) -> str:
    """The placeholder for a run of name words, chosen by the words in it and before it."""
    lows = [w.lower() for w in run]
    prev = before[-1] if before else ""
    if prev in TITLES:
        return "[person]"
    if set(lows) & INSTITUTIONS or (set(before) & WORK_CUES and prev in ("at", "for", "by")):
        return "[institution]"
    if lows[-1] in STREETS:
        return "[address]"
    if prev == "the":  # people take no article: "the Royal Marsden", "the Christie"
        return "[institution]"
    if prev in CUES or lows[0].removesuffix("'s") in _vocabulary()[2]:
        return "[person]"
    return "[place]" if prev in PLACE_CUES else "[person]"


def _names(text: str) -> str:
    """Find the name words in ``text`` and collapse each run of them into one placeholder."""
    tokens = TOKEN.findall(text)
    words = [i for i, t in enumerate(tokens) if t[0].isalnum() or t == "A&E"]
    lower = [tokens[i].lower() for i in words]
    flags = []
    for n, i in enumerate(words):
        possessive = lower[n].endswith("'s") and lower[n][:-2] not in _vocabulary()[1]
        gap = "".join(tokens[words[n - 1] + 1 : i]) if n else "."
        after_title = n > 0 and lower[n - 1] in TITLES and gap == ". "
        start = any(c in SENTENCE_END for c in gap) and not after_title
        nxt = next((t for t in tokens[i + 1 : i + 3] if not t.isspace()), "")
        word = tokens[i][:-2] if possessive else tokens[i]
        flags.append(_is_name(word, [] if start else lower[max(n - 2, 0) : n], nxt, possessive))
    spans: list[tuple[int, int]] = []
    for n, flagged in enumerate(flags):
        if not flagged or (spans and n <= spans[-1][1]):
            continue
        first = last = n
        while first and _joins(tokens, words, first - 1, first, left=True):
            first -= 1
        while last + 1 < len(words) and _joins(tokens, words, last, last + 1, left=False):
            last += 1
        if not set(lower[first : last + 1]) & INSTITUTIONS:  # "Dave and Sarah": two people
            cuts = [k for k in range(first, last + 1) if lower[k] in SPLITTERS]
            first = max([k + 1 for k in cuts if k < n], default=first)
            last = min([k - 1 for k in cuts if k > n], default=last)
        while last > n and lower[last] in CONNECTORS:
            last -= 1
        while first < n and lower[first] in SPLITTERS:
            first += 1
        spans.append((first, last))
    for first, last in reversed(spans):
        kind = _kind([tokens[words[k]] for k in range(first, last + 1)], lower[:first][-3:])
        owner = "'s" if lower[last].endswith("'s") and kind != "[institution]" else ""
        tokens[words[first] : words[last] + 1] = [kind + owner]
    return "".join(tokens)


def _address(match: re.Match[str]) -> str:
    """A numbered address, unless the words before the street type are ordinary prose."""
    numbered = match.group(1) or match.group(2)
    prose = set(match.group(3).lower().split()) & _vocabulary()[1]
    return "[address]" if numbered and not prose else match.group(0)


def _numbers(text: str) -> str:
    """Replace every number left but a small count, a stage or day, and a measurement."""

    def one(match: re.Match[str]) -> str:
        number, unit = match.group(1), match.group(2)
        if unit and len(number.split(".")[0]) <= 2:
            return match.group(0)
        before = text[: match.start()].split()[-1:]
        if len(number) <= 2 and before and before[0].lower() in COUNTED:
            return match.group(0)
        after = re.match(r"\s+([\w%]+)", text[match.end() :])
        small = "." not in number and int(number.split("-")[-1]) <= 12
        counts = bool(after) and re.fullmatch(UNITS, after.group(1), re.I) is not None
        return match.group(0) if small and counts else "[number]"

    pattern = r"(?<![\w\[-])(\d+(?:[.-]\d+)?)(%|cm|mm|mg|ml|kg)?(?!\w|\.\w)"
    return BIG_NUMBER_WORD.sub("[number]", re.sub(pattern, one, text, flags=re.I))


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """Return ``text`` with everything that could identify someone replaced by a placeholder.

    ``names`` are the members' profile names: each whole name and each of its words of two
    letters or more is replaced by ``[person]`` wherever it appears, in any case; but not the
    commonest words of English, so that a profile called "Mum of two" does not erase "two".
    """
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for pattern, placeholder in (
        (EMAIL, "[email]"),
        (NHS_NUMBER, "[NHS number]"),
        (PHONE, "[phone]"),
        (POSTCODE, "[postcode]"),
        (DISTRICT, "[postcode]"),
    ):
        text = pattern.sub(placeholder, text)
    whole = {n.strip() for n in names if n.strip()}
    words = {w for n in whole for w in re.split(r"[\s.]+", n) if len(w) >= 2}
    words = {w for w in words if w.lower() not in _vocabulary()[1]}
    for name in sorted(whole | words, key=len, reverse=True):
        text = re.sub(rf"(?<![\w\[]){re.escape(name)}(?![\w\]])", "[person]", text, flags=re.I)
    text = ADDRESS.sub(_address, text)
    for n, pattern in enumerate(AGES):
        text = pattern.sub(r"\1\2[age]" if n else "[age]", text)
    for pattern in DATES:
        text = pattern.sub(_months if pattern is MONTHS else "[date]", text)
    return _numbers(_names(text))


def week_of(moment: datetime) -> date:
    """The Monday of the week (in the groups' time zone, Europe/London) of ``moment``.

    The export shows when a session was held to the week and no finer, so that a date
    said in a session cannot be matched to the session's own time. A naive ``moment`` is
    taken as UTC, as the database stores it.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    day = moment.astimezone(ZoneInfo(GROUP_TIMEZONE)).date()
    return day - timedelta(days=day.weekday())
