"""Find the article text inside a scraped news page, keeping offsets into the original.

Pages saved from news sites carry navigation ("Close", "X Instagram Youtube"), advertisement
markers, comment and newsletter prompts, bylines and author blurbs, and photo captions printed
twice. The rules below are generic — they describe how web pages are built, not these particular
files — and work line by line: ``content_lines`` returns the ``(start, end)`` character ranges
of the lines that are kept, so every passage cut from them is a slice of the original file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# words that make up navigation bars, share buttons and media widgets
_NAV_WORDS = {
    "close", "menu", "search", "home", "share", "tweet", "email", "e-mail", "print", "photo", "photos",
    "bigphoto", "video", "videos", "gallery", "x", "facebook", "instagram", "youtube", "twitter",
    "linkedin", "whatsapp", "telegram", "tiktok", "pinterest", "reddit", "threads", "newsletter",
    "newsletters", "login", "log", "in", "sign", "up", "subscribe", "skip", "to", "content", "more",
    "next", "previous", "back", "top", "comments", "comment", "copy", "link", "listen", "audio",
    "advertisement", "ad", "sponsored", "open", "app", "the", "main", "navigation", "toggle",
}

# a whole line that is page furniture, not article text
_BOILERPLATE_LINE = re.compile(
    r"""^[\W_]*(?:
        advertisement | advertising | sponsored(?:\ content)? | ad |
        leave\ a\ (?:comment|reply) | post\ a\ comment | \d+\ comments? | comments? | join\ the\ conversation |
        share\ (?:this|on)\b.* | follow\ us\b.* | click\ here\b.* | read\ more\b.* | (?:read|see)\ also\b.* |
        also\ read\b.* | related(?:\ (?:articles?|stories|posts|news|content))?\b:?.* |
        recommended(?:\ for\ you)?\b.* | you\ (?:may|might)\ also\ like\b.* | more\ from\b.* |
        discover\ more\ from\b.* | (?:sign\ up|subscribe)\b.* | .*\bnewsletters?\b.* |
        your\ email\ address\ will\ not\ be\ published.* | required\ fields\ are\ marked.* |
        .*\ball\ rights\ reserved\b.* | (?:©|\(c\)|copyright)\b.* | about\ the\ author\b.* |
        -?\d+(?:\.\d+)?\ ?°?\ ?[fc]               # a weather widget: "62.8 F"
        | \[[^\]]{1,60}\] | \([^)]{1,60}\)          # a bracketed photo credit: "[REUTERS]"
    )[\W_]*$""",
    re.IGNORECASE | re.VERBOSE,
)

# furniture lines are short; longer lines are never matched against the patterns below, whose cost
# grows faster than the line (a 200,000-character line without spaces took minutes)
MAX_FURNITURE_CHARS = 1000
MAX_COMPARED_CHARS = 2000  # lines compared for near-duplicates (difflib is quadratic)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BYLINE = re.compile(r"^\s*by\s+\S", re.IGNORECASE)

# lines after which the rest of a page is footer (only looked for in the last part of a page)
_FOOTER_START = re.compile(
    r"^[\W_]*(?:leave\ a\ (?:comment|reply)|post\ a\ comment|more\ from\b|discover\ more\ from\b|"
    r"related\ (?:articles|stories|posts)\b|you\ (?:may|might)\ also\ like\b|about\ the\ author\b)",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Line:
    start: int
    end: int  # end of the line's text, without the newline
    text: str


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        lines.append(Line(pos, pos + len(body), body))
        pos += len(raw)
    return lines


def _normalized(line: str) -> str:
    s = unicodedata.normalize("NFKC", line).casefold()
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(s.split())


def _words(line: str) -> list[str]:
    return re.findall(r"[\w'-]+", line.casefold())


def is_boilerplate_line(line: str) -> bool:
    """True for a line that is page furniture whatever its context."""
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_FURNITURE_CHARS:
        return False
    words = _words(stripped)
    if words and len(words) <= 6 and all(w in _NAV_WORDS for w in words):
        return True
    if len(words) <= 25 and _BOILERPLATE_LINE.match(stripped):
        return True
    if _EMAIL.search(stripped) and len(words) <= 25:
        return True  # bylines with addresses, "contact us" lines
    if _BYLINE.match(stripped) and len(words) <= 10 and not stripped.endswith((".", "?", "!", '"', "\u201d")):
        return True
    return False


def _near_duplicate(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) < 20 or max(len(a), len(b)) > MAX_COMPARED_CHARS:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


def content_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges ``(start, end)`` of the lines of ``text`` that are article content."""
    lines = split_lines(text)
    keep = [bool(line.text.strip()) for line in lines]
    norm = [_normalized(line.text) for line in lines]
    nonblank = [i for i, k in enumerate(keep) if k]

    # footer: from a footer marker in the last 40% of the page's lines to the end
    for rank, i in enumerate(nonblank):
        if rank >= 0.6 * len(nonblank) and _FOOTER_START.match(lines[i].text.strip()):
            for j in nonblank[rank:]:
                keep[j] = False
            break

    for i in nonblank:
        if is_boilerplate_line(lines[i].text):
            keep[i] = False

    # a caption printed twice (with only page furniture between the copies): both are furniture
    kept = [i for i in nonblank if keep[i]]
    for a, b in zip(kept, kept[1:]):
        if _near_duplicate(norm[a], norm[b]):
            keep[a] = keep[b] = False

    # short lines repeated further down the page (timestamps, section labels): keep the first
    seen: set[str] = set()
    for i in nonblank:
        if len(norm[i].split()) <= 12:
            if norm[i] in seen:
                keep[i] = False
            seen.add(norm[i])

    # an author blurb: the last kept line, cut off from the article by a byline
    kept = [i for i in nonblank if keep[i]]
    if len(kept) >= 2:
        prev, last = kept[-2], kept[-1]
        if any(_BYLINE.match(lines[i].text) or (len(lines[i].text) <= MAX_FURNITURE_CHARS and _EMAIL.search(lines[i].text))
               for i in nonblank if prev < i < last):
            keep[last] = False

    return [(lines[i].start, lines[i].end) for i in nonblank if keep[i]]
