"""Answer text normalization, exactly as the official SQuAD v1.1 evaluation script defines it."""

from __future__ import annotations

import re
import string
from collections import Counter

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (SQuAD v1.1)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact_match_score(prediction: str, ground_truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1_score(prediction: str, ground_truth: str) -> float:
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_tokens)
    recall = num_same / len(ground_truth_tokens)
    return 2 * precision * recall / (precision + recall)


def metric_max_over_ground_truths(metric, prediction: str, ground_truths: list[str]) -> float:
    return max(metric(prediction, gt) for gt in ground_truths)


BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"), ("\u201c", "\u201d"))


def first_unpaired(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The index of a bracket or double quote in ``text[start:end]`` that lacks its partner, if any."""
    end = len(text) if end is None else end
    for left, right in BRACKETS:
        stack: list[int] = []
        for i in range(start, end):
            if text[i] == left:
                stack.append(i)
            elif text[i] == right:
                if not stack:
                    return i
                stack.pop()
        if stack:
            return stack[0]
    quotes = [i for i in range(start, end) if text[i] == '"']
    return quotes[-1] if len(quotes) % 2 else None


def balance_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` cut at each bracket or double quote that lacks its partner, keeping the longer
    side: "9:24 p.m. ET (0224 GMT on" -> "9:24 p.m. ET", "fine)" -> "fine" (the reader's spans,
    ``qa.reader.tidy_span``, and a typed answer's tightened ones, ``qa.answer_types``).

    Cutting was chosen over extending the span to a partner just outside it: SQuAD dev-public reader
    mode, 2,000 questions, EM / F1 73.75 / 82.69 cutting, 73.65 / 82.68 extending up to 15 or 40
    characters, 73.65 / 82.80 leaving the 10 unbalanced answers as they were."""
    while (k := first_unpaired(text, start, end)) is not None:
        if k - start >= end - k - 1:
            end = k
        else:
            start = k + 1
    return start, end


_DOTTED_TAIL = re.compile(r"(?<![\w.])(?:[A-Za-z]\.)+[A-Za-z]$")  # "p.m", "U.S", "D.C": a dotted abbreviation


def with_abbreviation_period(text: str, start: int, end: int) -> int:
    """``end``, moved past the period that a dotted abbreviation lost where it also ends a sentence:
    "2:47 p.m" -> "2:47 p.m.", "the U.S" -> "the U.S." (the reader's tokens end before that period)."""
    if end < len(text) and text[end] == "." and _DOTTED_TAIL.search(text, start, end):
        return end + 1
    return end


# what a number is incomplete without when it follows it: the half of the day of a clock time, "percent"
_UNIT_AFTER_NUMBER = re.compile(r"[^\S\n]?(?:[ap]\.m\.?|[ap]m\b|percent(?:age points?)?\b|per\s?cent\b|%)",
                                re.IGNORECASE)


_RATE_UNIT = re.compile(r"\d[\d,.]*[^\S\n]*(?:(?:thousand|million|billion)[^\S\n]+)?(?:-[^\S\n]*)?(?:kilomet(?:er|re)s?|km|miles?|met(?:er|re)s?|feet|foot|"
                        r"knots?|litres?|liters?|gallons?|barrels?|tons?|tonnes?)$", re.IGNORECASE)
_PER_TIME = re.compile(r"[^\S\n]+(?:per|an?)[^\S\n]+(?:hour|minute|second|day|week|month|year)\b(?![^\S\n]+(?:after|before|ago|later|earlier|on|in)\b)|"
                       r"/(?:h|hr|s|sec)\b",
                       re.IGNORECASE)


def with_unit(text: str, start: int, end: int) -> int:
    """``end``, moved past the unit that a number ending the span ``text[start:end]`` needs: "6:52" -> "6:52 a.m.",
    "38.6" -> "38.6 percent" (the reader may stop at the digits), and past the time a rate's unit needs:
    "160 kilometers" -> "160 kilometers per hour", "2 million barrels" -> "2 million barrels a day". Other units
    ("kilometres", "people") are left to the reader: how many of a counted noun is answered with the bare number."""
    if start < end <= len(text) and text[end - 1].isdigit():
        unit = _UNIT_AFTER_NUMBER.match(text, end)
        if unit:
            return with_abbreviation_period(text, start, unit.end())
    elif start < end <= len(text) and _RATE_UNIT.search(text, start, end):
        rate = _PER_TIME.match(text, end)
        if rate:
            return rate.end()
    return end


# a wire dateline opening a line: a place in capitals, maybe its country or state and a date, maybe the
# agency's credit, then a dash: "DESSAN, Lusmarra (Northsea Wire) -", "SEOUL, Nov. 5 (Yonhap) --"
_WIRE_DATELINE = re.compile(
    r"^[^\S\n]*[A-Z][A-Z.'’-]+(?:[^\S\n][A-Z][A-Z.'’-]+){0,3}(?:,[^\S\n]*[A-Z][\w.'’-]*(?:[^\S\n][A-Z][\w.'’-]*){0,3}){0,2}"
    r"(?:,[^\S\n]*[\w.]+[^\S\n]+\d{1,2}(?:,[^\S\n]*\d{4})?)?[^\S\n]*(?:\([^()\n]{1,40}\)[^\S\n]*)?(?:--?|[–—])",
    re.MULTILINE)


def in_wire_dateline(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` lies inside a wire dateline at the start of a line ("DESSAN, Lusmarra" in
    "DESSAN, Lusmarra (Northsea Wire) - A ferry ..."): where the story was filed from, not an answer."""
    line = text.rfind("\n", 0, start) + 1
    found = _WIRE_DATELINE.match(text, line)
    return found is not None and end <= found.end()


def unbalanced(span: str) -> bool:
    """True when ``span`` has a bracket or double quote without its partner."""
    return first_unpaired(span) is not None


# words that end with a period without ending a sentence ("Oct. 22", "Gen. Kim", "St. Louis"); single
# letters (initials, "U.S.") and dotted forms ("a.m.") are recognised by shape
ABBREVIATIONS = frozenset({
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep",
    "rev", "pres", "st", "ste", "mt", "ft", "jr", "sr", "inc", "corp", "co", "ltd", "bros", "no", "nos", "vol",
    "approx", "est", "dept", "univ", "vs", "etc", "al", "fig", "ave", "blvd", "rd",
})
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def sentence_ends(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets in ``text[start:end]`` where a sentence ends (just after the whitespace that follows its
    . ! or ?), skipping periods of abbreviations ("Oct. 22", "Gen. Kim", "U.S. forces", "7 a.m. on")."""
    ends = []
    for m in _SENTENCE_END.finditer(text, start, len(text) if end is None else end):
        if text[m.start()] == ".":
            word = _WORD_BEFORE.search(text, max(0, m.start() - 24), m.start())
            token = word.group(1) if word else ""
            if len(token) == 1 and token.isalpha() or "." in token or token.lower() in ABBREVIATIONS:
                continue
        ends.append(m.end())
    return ends
