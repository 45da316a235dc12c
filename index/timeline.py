"""When each passage happened: time expressions of an article resolved against its publication date.

At index time every article's text is searched once (``index.dates.find_time_mentions``: "Nov. 7",
"on Tuesday", "last week", "in 2019", resolved against the publication date), and each passage gets

* ``passage`` tags: the expressions inside it, with their offsets in the article's text;
* a ``before`` tag when it has none: the nearest dated expression earlier in the article (news
  states the date once, in the lead, and the figures paragraphs later);
* an ``article`` tag: the publication date, when known.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from core.types import Passage, TimeTag
from index.dates import DateRange, TimeMention, find_time_mentions, parse_date


def _tag(mention: TimeMention, source: str) -> TimeTag:
    r = mention.range
    return TimeTag(first=r.start.isoformat(), last=r.end.isoformat(), granularity=r.granularity, text=mention.text,
                   source=source, start=mention.start, end=mention.end, year_known=mention.year_known)


def article_tag(published: str | None) -> TimeTag | None:
    day = parse_date(published) if published else None
    if day is None:
        return None
    return TimeTag(first=day.isoformat(), last=day.isoformat(), granularity="day", text="", source="article")


def with_times(passages: list[Passage], text: str, published: str | None) -> list[Passage]:
    """``passages`` (slices of ``text``) with their ``times`` filled in."""
    day: date | None = parse_date(published) if published else None
    mentions = find_time_mentions(text, day)
    article = article_tag(published)
    dated: list[Passage] = []
    for p in passages:
        inside = [_tag(m, "passage") for m in mentions if p.start <= m.start and m.end <= p.end]
        tags = list(inside)
        if not inside:
            earlier = [m for m in mentions if m.end <= p.start]
            if earlier:
                tags.append(_tag(earlier[-1], "before"))
        if article is not None:
            tags.append(article)
        dated.append(replace(p, times=tuple(tags)))
    return dated


def tag_range(tag: TimeTag) -> DateRange:
    return DateRange(date.fromisoformat(tag.first), date.fromisoformat(tag.last), tag.granularity)
