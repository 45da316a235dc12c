"""When each passage happened: time expressions of an article resolved against its publication date.

At index time every article's text is searched once (``index.dates.find_time_mentions``: "Nov. 7",
"on Tuesday", "last week", "in 2019", resolved against the publication date), and each passage gets

* ``passage`` tags: the expressions inside it, with their offsets in the article's text;
* a ``before`` tag when it has none: the nearest dated expression earlier in the article (news
  states the date once, in the lead, and the figures paragraphs later);
* an ``article`` tag: the publication date, when known (its year unknown for a dateline without one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import date
from itertools import accumulate

from core.types import Passage, TimeTag
from index.dates import DateRange, TimeMention, find_time_mentions, is_yearless, nominal_day, parse_date


def _tag(mention: TimeMention, source: str) -> TimeTag:
    r = mention.range
    return TimeTag(first=r.start.isoformat(), last=r.end.isoformat(), granularity=r.granularity, text=mention.text,
                   source=source, start=mention.start, end=mention.end, year_known=mention.year_known)


def article_tag(published: str | None) -> TimeTag | None:
    """The publication date as a tag; a year-less one ("--05-20") in ``NOMINAL_YEAR``, its year unknown."""
    if is_yearless(published):
        day = nominal_day(published)
        if day is None:
            return None
        return TimeTag(first=day.isoformat(), last=day.isoformat(), granularity="day", text="", source="article",
                       year_known=False)
    day = parse_date(published) if published else None
    if day is None:
        return None
    return TimeTag(first=day.isoformat(), last=day.isoformat(), granularity="day", text="", source="article")


def with_times(passages: list[Passage], text: str, published: str | None) -> list[Passage]:
    """``passages`` (slices of ``text``) with their ``times`` filled in (n log n in the mentions). Without a
    publication date (or with only its month and day) relative words are not resolved and a day written
    without its year keeps its year unknown."""
    day: date | None = parse_date(published) if published and not is_yearless(published) else None
    mentions = find_time_mentions(text, day)
    article = article_tag(published)
    by_start = sorted(range(len(mentions)), key=lambda i: (mentions[i].start, i))
    starts = [mentions[i].start for i in by_start]
    by_end = sorted(range(len(mentions)), key=lambda i: mentions[i].end)
    ends = [mentions[i].end for i in by_end]
    latest = list(accumulate(by_end, max))  # latest[k]: the last mention (text order) among the k+1 ending first
    dated: list[Passage] = []
    for p in passages:
        inside = []
        for k in range(bisect_left(starts, p.start), bisect_left(starts, p.end)):
            i = by_start[k]
            if mentions[i].end <= p.end:
                inside.append(i)
        tags = [_tag(mentions[i], "passage") for i in sorted(inside)]
        if not inside:
            k = bisect_right(ends, p.start) - 1
            if k >= 0:
                tags.append(_tag(mentions[latest[k]], "before"))
        if article is not None:
            tags.append(article)
        dated.append(replace(p, times=tuple(tags)))
    return dated


def tag_range(tag: TimeTag) -> DateRange:
    return DateRange(date.fromisoformat(tag.first), date.fromisoformat(tag.last), tag.granularity)
