"""The temporal signal on hand-made passages (no models): which date dates an answer, agreement with
the question's time, and answers split by event."""

from __future__ import annotations

import math
from datetime import date

from core.types import Passage, PassageReading, Span
from index.timeline import with_times
from qa.answers import assemble, assemble_all
from qa.question_time import parse_question_time
from qa.timing import TimeScorer, agreement, dating_tag

TODAY = date(2026, 12, 1)

NOV7 = ("Seoul\nFriday, November 7, 2025\n\nNorth Korea fired a missile on Friday, the military said.\n"
        "The missile flew 700 kilometers. An earlier launch, on Oct. 22, flew 300 kilometers.\n")
OCT31 = ("October 31, 2024\n\nNorth Korea fired an ICBM on Thursday.\nIt flew 1,000 kilometers on a lofted path.\n")
MAR2 = ("March 2, 2025\n\nA second missile flew 700 kilometers on Sunday.\n")


def passage(name: str, text: str, published: str) -> Passage:
    start = text.index("\n\n") + 2
    p = Passage(f"{name}:{start}-{len(text)}", name, start, len(text), text[start:])
    return with_times([p], text, published)[0]


def span_of(p: Passage, words: str) -> tuple[int, int]:
    at = p.text.index(words)
    return at, at + len(words)


def reading(p: Passage, words: str, score: float) -> PassageReading:
    a, b = span_of(p, words)
    return PassageReading(p, (Span(p, a, b, score, math.log(score / 0.1)),))


def test_an_answer_is_dated_by_its_own_sentence_first_then_by_its_article():
    p = passage("nov7.txt", NOV7, "2025-11-07")
    assert dating_tag(p, *span_of(p, "300 kilometers")).text == "on Oct. 22"  # the distractor's own date
    tag = dating_tag(p, *span_of(p, "700 kilometers"))
    assert tag.source == "article" and tag.first == "2025-11-07"


def test_agreement_with_and_without_the_year():
    p = passage("nov7.txt", NOV7, "2025-11-07")
    seven = dating_tag(p, *span_of(p, "700 kilometers"))
    asked = parse_question_time("How far did it fly on November 7?", TODAY)  # no year: month and day only
    assert not asked.year_known and agreement(seven, asked.range, asked.year_known) == 1.0
    assert agreement(seven, parse_question_time("on Nov. 7, 2024?", TODAY).range, True) == -1.0
    assert agreement(seven, parse_question_time("in 2025?", TODAY).range, True) == 1.0
    distractor = dating_tag(p, *span_of(p, "300 kilometers"))
    assert agreement(distractor, asked.range, asked.year_known) == -1.0
    # an article reports what happened that day or up to three days before
    assert agreement(seven, parse_question_time("on Nov. 5, 2025?", TODAY).range, True) == 1.0
    assert agreement(seven, parse_question_time("on Nov. 3, 2025?", TODAY).range, True) == -1.0


def test_the_named_date_picks_the_event_and_other_events_stay_separate_answers():
    a, b = passage("nov7.txt", NOV7, "2025-11-07"), passage("oct31.txt", OCT31, "2024-10-31")
    readings = [reading(b, "1,000 kilometers", 0.9), reading(a, "700 kilometers", 0.5)]
    question = "How far did the missile fly on November 7?"
    without, _ = assemble(readings, 0.0, 3)
    assert without[0].text == "1,000 kilometers"  # the reader alone prefers the other launch
    scorer = TimeScorer(parse_question_time(question, TODAY), 2.0, [a, b])
    answers, _ = assemble(readings, 0.0, 3, judge=scorer.judge)
    assert [(x.text, x.event_date, x.time_match) for x in answers] == [
        ("700 kilometers", "2025-11-07", True), ("1,000 kilometers", "2024-10-31", False)]


def test_the_same_figure_on_two_dates_is_two_answers():
    a, c = passage("nov7.txt", NOV7, "2025-11-07"), passage("mar2.txt", MAR2, "2025-03-02")
    scorer = TimeScorer(None, 2.0, [a, c])
    answers, _ = assemble([reading(a, "700 kilometers", 0.6), reading(c, "700 kilometers", 0.5)], 0.0, 3,
                          judge=scorer.judge)
    assert [(x.text, x.event_date, len(x.citations)) for x in answers] == [
        ("700 kilometers", "2025-11-07", 1), ("700 kilometers", "2025-03-02", 1)]
    assert all(x.time_match is None for x in answers)  # no time asked: dated, not judged


def test_latest_prefers_the_newest_article():
    a, b = passage("nov7.txt", NOV7, "2025-11-07"), passage("oct31.txt", OCT31, "2024-10-31")
    readings = [reading(b, "1,000 kilometers", 0.9), reading(a, "700 kilometers", 0.5)]
    latest = TimeScorer(parse_question_time("How far did the latest missile fly?", TODAY), 2.0, [a, b])
    assert assemble(readings, 0.0, 3, judge=latest.judge)[0][0].text == "700 kilometers"
    first = TimeScorer(parse_question_time("How far did the first missile fly?", TODAY), 2.0, [a, b])
    assert assemble(readings, 0.0, 3, judge=first.judge)[0][0].text == "1,000 kilometers"


def test_weight_zero_turns_the_signal_off():
    a, b = passage("nov7.txt", NOV7, "2025-11-07"), passage("oct31.txt", OCT31, "2024-10-31")
    readings = [reading(b, "1,000 kilometers", 0.9), reading(a, "700 kilometers", 0.5)]
    off = TimeScorer(parse_question_time("How far did the missile fly on November 7?", TODAY), 0.0, [a, b])
    assert [x.text for x in assemble(readings, 0.0, 3, judge=off.judge)[0]] == [x.text for x in assemble(readings, 0.0, 3)[0]]


def test_the_reader_question_loses_only_the_words_of_a_day():
    from datetime import date

    from qa.question_time import parse_question_time
    from qa.question_time import reader_question

    today = date(2025, 11, 8)
    q = "Where was the missile launched from on November 7?"
    assert reader_question(q, parse_question_time(q, today), keep_time=False) == "Where was the missile launched from?"
    assert reader_question(q, parse_question_time(q, today), keep_time=True) == q
    year = "Who won the election in 2024?"  # a year still tells the reader which paragraph
    assert reader_question(year, parse_question_time(year, today), keep_time=False) == year
    plain = "How far did the missile fly?"
    assert reader_question(plain, parse_question_time(plain, today), keep_time=False) == plain
    short = "On November 7?"  # nothing would be left to ask
    assert reader_question(short, parse_question_time(short, today), keep_time=False) == short


def test_a_question_naming_a_day_is_never_answered_from_another_day():
    a, b = passage("nov7.txt", NOV7, "2025-11-07"), passage("oct31.txt", OCT31, "2024-10-31")
    day = TimeScorer(parse_question_time("How far did the missile fly on November 7?", TODAY), 2.0, [a, b])
    assert day.exclusive
    both = [reading(b, "1,000 kilometers", 0.9), reading(a, "700 kilometers", 0.5)]
    answers, no_answer, others, _ = assemble_all(both, 0.0, 3, judge=day.judge, exclusive=day.exclusive)
    assert [x.text for x in answers] == ["700 kilometers"] and no_answer is None
    assert [(x.text, x.event_date) for x in others] == [("1,000 kilometers", "2024-10-31")]
    # only the other launch was found: no answer (however sure the reader is), the other event beside it
    alone = [reading(b, "1,000 kilometers", 0.99)]
    answers, no_answer, others, _ = assemble_all(alone, 0.1, 3, judge=day.judge, exclusive=day.exclusive)
    assert answers == [] and no_answer is not None and no_answer.score == 0.0
    assert [x.text for x in others] == ["1,000 kilometers"]
    # a month or a year stays a soft signal; so does a day when the signal is off
    month = TimeScorer(parse_question_time("How far did it fly in November 2025?", TODAY), 2.0, [a, b])
    off = TimeScorer(parse_question_time("How far did the missile fly on November 7?", TODAY), 0.0, [a, b])
    assert not month.exclusive and not off.exclusive
    assert [x.text for x in assemble_all(alone, 0.0, 3, judge=month.judge, exclusive=month.exclusive)[0]] == [
        "1,000 kilometers"]


def test_a_sentence_ends_at_its_full_stop_not_at_an_abbreviation():
    # "Yellow Sea." ends a sentence: the next sentence's date must not date the cruise missiles
    text = ("On October 28, North Korea launched strategic cruise missiles into the Yellow Sea. On November 1, "
            "Pyongyang fired several artillery rounds.")
    p = passage("oct.txt", "Seoul\n\n" + text, "2025-11-07")
    assert dating_tag(p, *span_of(p, "strategic cruise missiles")).text == "On October 28"
    assert dating_tag(p, *span_of(p, "several")).text == "On November 1"


def test_a_day_without_its_year_takes_the_article_year_and_this_year_gives_way_to_the_article():
    text = "Portland\n\nThe wildfire destroyed 538 homes on June 23. Inflation this year reached 6.3 percent.\n"
    p = passage("fire.txt", text, "2025-07-14")
    june = dating_tag(p, *span_of(p, "538 homes"))
    assert june.text == "on June 23" and not june.year_known  # written without its year
    other_year = TimeScorer(parse_question_time("How many homes burned on June 23, 2023?", TODAY), 2.0, [p])
    assert other_year.judge(p, *span_of(p, "538 homes")).match is False  # June 23, 2025, not 2023
    same_year = TimeScorer(parse_question_time("How many homes burned on June 23, 2025?", TODAY), 2.0, [p])
    assert same_year.judge(p, *span_of(p, "538 homes")).match is True
    assert dating_tag(p, *span_of(p, "6.3 percent")).source == "article"  # "this year" says less than the dateline
    september = TimeScorer(parse_question_time("What was inflation on Sept. 15, 2025?", TODAY), 2.0, [p])
    assert september.judge(p, *span_of(p, "6.3 percent")).match is False


def test_a_time_that_dates_what_the_answer_is_compared_with_does_not_date_the_answer():
    text = ("Dessan\n\nTurnout rose to 66.8 percent, more than five points higher than in the first round three weeks "
            "ago, as voters who had stayed at home on May 10 came out. Since 2019, the party has grown to 40,000 "
            "members. Revenue reached 1.1 billion euros, up from 0.9 billion euros in 2025. The ferry, carrying more "
            "than 300 people, sank on Tuesday. It was the worst storm since March 2020, officials said on Monday.\n")
    p = passage("runoff.txt", text, "2026-06-01")
    assert dating_tag(p, *span_of(p, "66.8 percent")).source == "article"  # the run-off, not the first round
    assert dating_tag(p, *span_of(p, "40,000")).source == "article"  # not 2019
    assert dating_tag(p, *span_of(p, "1.1 billion euros")).source == "article"  # 2025 dates the 0.9 billion
    assert dating_tag(p, *span_of(p, "0.9 billion euros")).text == "in 2025"
    assert dating_tag(p, *span_of(p, "The ferry")).text == "on Tuesday"  # "more than 300" compares nothing
    assert dating_tag(p, *span_of(p, "worst storm")).text == "on Monday"
    runoff = TimeScorer(parse_question_time("What was turnout on May 31, 2026?", TODAY), 2.0, [p])
    assert runoff.judge(p, *span_of(p, "66.8 percent")).match is True
    nothing_that_day = TimeScorer(parse_question_time("What was turnout on May 17, 2026?", TODAY), 2.0, [p])
    assert nothing_that_day.judge(p, *span_of(p, "66.8 percent")).match is False


WIRE = ("Quake rattles northern Chile\nANTOFAGASTA, Chile, May 20 (Wire) -\n\nA magnitude 5.8 earthquake shook "
        "northern Chile at 11:52 p.m. on Tuesday, officials said. It was felt in Calama on May 19.\n")


def test_wire_copy_without_a_year_still_tells_its_day_from_another():
    """A dateline without any year ("May 20 (Wire) -") dates the article by month and day: the quake it
    reports is not the answer to a question about July 8, but is one about May 19 (of any year)."""
    from index.formats.text import text_metadata

    meta = text_metadata(WIRE)
    assert (meta.published, meta.origins["published"], meta.title) == (
        "--05-20", "yearless_dateline", "Quake rattles northern Chile")
    later = WIRE + "x " * 400 + "\nThe region last shook on April 1, 2014.\n"  # a dated day far down is no better date
    assert text_metadata(later).published == "--05-20"
    for headline in ("Layoffs in October", "Marathon on April 21"):  # half a date is still a headline
        assert text_metadata(headline + "\n\nThe company said so.").title == headline
    p = with_times([Passage(f"wire.txt:0-{len(WIRE)}", "wire.txt", 0, len(WIRE), WIRE)], WIRE, meta.published)[0]
    tag = dating_tag(p, *span_of(p, "5.8"))
    # the dateline above the lead is not in the lead's sentence: the article's date (and its lag) dates it
    assert (tag.source, tag.first, tag.year_known) == ("article", "2000-05-20", False)
    may19 = TimeScorer(parse_question_time("How strong was the quake on May 19, 2026?", TODAY), 2.0, [p])
    judged = may19.judge(p, *span_of(p, "5.8"))
    assert judged.match is True and judged.event_date == "--05-20"
    felt = dating_tag(p, *span_of(p, "Calama"))
    assert (felt.text, felt.first, felt.year_known) == ("on May 19", "2000-05-19", False)
    july = TimeScorer(parse_question_time("How strong was the quake on July 8, 2026?", TODAY), 2.0, [p])
    answers, no_answer, others, _ = assemble_all([reading(p, "5.8", 0.9)], 0.1, 3, judge=july.judge,
                                                 exclusive=july.exclusive)
    assert answers == [] and no_answer is not None and [(a.text, a.event_date) for a in others] == [("5.8", "--05-20")]
    # an article with no date at all still answers any day: nothing contradicts it
    plain = "It measured 5.8 then."
    undated = with_times([Passage(f"u.txt:0-{len(plain)}", "u.txt", 0, len(plain), plain)], plain, None)[0]
    assert july.judge(undated, *span_of(undated, "5.8")).match is None


def test_at_what_time_expects_a_clock_time():
    from qa.answer_types import expects_clock_time, is_clock_time, type_prior

    assert expects_clock_time("At what time was the missile launched?")
    assert expects_clock_time("What time, local time, did the quake hit?")
    for untyped in ("What time period is it?", "What time of day did they gather?", "During what time did it flourish?",
                    "When was it launched?"):
        assert not expects_clock_time(untyped) and type_prior(untyped, 6.0) is None
    for clock in ("7:30 a.m.", "12:35 p.m. local time", "0224 GMT", "noon", "2 p.m"):
        assert is_clock_time(clock)
    for other in ("November 7", "Thursday", "afternoon", "700 kilometers"):
        assert not is_clock_time(other)
    prior = type_prior("At what time was it launched?", 6.0)
    assert prior("7:10 a.m.") == 0.0 and prior("Thursday") == -6.0
    assert type_prior("At what time was it launched?", 0.0) is None  # off
    # in scoring: the reader prefers the weekday, the type prefers the clock time
    p = passage("oct31.txt", "October 31, 2024\n\nNorth Korea fired an ICBM on Thursday at 7:10 a.m. local time.\n",
                "2024-10-31")
    readings = [PassageReading(p, (Span(p, *span_of(p, "Thursday"), 0.6, 3.0), Span(p, *span_of(p, "7:10 a.m."), 0.3, 2.0)))]
    assert assemble(readings, 0.0, 1)[0][0].text == "Thursday"
    assert assemble(readings, 0.0, 1, prior=prior)[0][0].text == "7:10 a.m."


def test_a_clock_time_is_shown_without_the_day_it_runs_into():
    """"At what time" asks for the time: a span that runs on into its day ("4:17 a.m. on Tuesday") is shown as
    the time, with whatever belongs to it (a zone, "local time"), never with half a parenthesis."""
    from qa.answer_types import CLOCK_TIME, LENGTH, type_prior

    def shown(text: str) -> str:
        lo, hi = CLOCK_TIME.tightened(text)
        return text[lo:hi]

    assert shown("4:17 a.m. on Tuesday") == "4:17 a.m."
    assert shown("7:32 PM KST, Sun July 6, 2025") == "7:32 PM KST"
    assert shown("Tuesday at 11:52 p.m.") == "11:52 p.m."
    assert shown("Nov. 7, 12:35 p.m.") == "12:35 p.m."
    assert shown("10:26 a.m. (0926 GMT) on Tuesday") == "10:26 a.m. (0926 GMT)"  # a conversion belongs to it
    assert shown("on Friday, about 7 a.m.") == "about 7 a.m."  # so does a hedge
    assert shown("12:35 p.m. local time on Nov. 7") == "12:35 p.m. local time"
    for dangling in ("4 p.m. on the eve of the vote", "11 p.m. on the night of May 3", "6 a.m. until Tuesday"):
        assert shown(dangling) == dangling.split(" ")[0] + " " + dangling.split(" ")[1]  # no word of the day left
    assert shown("(Tuesday) 4 p.m.") == "4 p.m."
    for whole in ("12:35 p.m. local time", "10:26 a.m.", "Thursday", "noon",
                  "from 9 a.m. Monday to 5 p.m. Tuesday", "noon and on Tuesday at 3 p.m."):  # two times: a range
        assert shown(whole) == whole
    assert LENGTH.tightened("700 kilometers on Friday") == (0, 24)  # only a clock time is kept apart from its day
    # in scoring: the evidence of the place is kept, the citation quotes the time alone
    p = passage("oct31.txt", "October 31, 2024\n\nNorth Korea fired an ICBM at 7:10 a.m. on Thursday, officials said.\n",
                "2024-10-31")
    readings = [PassageReading(p, (Span(p, *span_of(p, "7:10 a.m. on Thursday"), 0.6, 3.0),))]
    [answer], _ = assemble(readings, 0.0, 1, prior=type_prior("At what time was it launched?", 6.0))
    assert answer.text == "7:10 a.m." and p.text[answer.citations[0].start - p.start:][:9] == "7:10 a.m."
    assert answer.score == assemble(readings, 0.0, 1)[0][0].score
    # the time shown is dated by the day the reader's span ran into: Thursday, not the article's window
    asked = TimeScorer(parse_question_time("At what time was it fired on October 31, 2024?", TODAY), 2.0, [p])
    typed = type_prior("At what time was it fired?", 6.0)
    answers, _, others, _ = assemble_all(readings, 0.0, 1, judge=asked.judge, exclusive=asked.exclusive, prior=typed)
    assert [a.text for a in answers] == ["7:10 a.m."] and answers[0].event_date == "2024-10-31"
    earlier = TimeScorer(parse_question_time("At what time was it fired on October 29, 2024?", TODAY), 2.0, [p])
    answers, _, others, _ = assemble_all(readings, 0.0, 1, judge=earlier.judge, exclusive=earlier.exclusive, prior=typed)
    assert answers == [] and [(a.text, a.event_date) for a in others] == [("7:10 a.m.", "2024-10-31")]


def test_a_dotted_abbreviation_keeps_its_last_period_at_a_sentence_end():
    from core.text import with_abbreviation_period

    text = "The launch came at 2:47 p.m. The U.S. said so. It was in Busan."
    assert text[:with_abbreviation_period(text, 19, 27)][19:] == "2:47 p.m."
    assert text[:with_abbreviation_period(text, 33, 36)][33:] == "U.S."
    assert with_abbreviation_period(text, 57, 62) == 62  # "Busan": a word, not an abbreviation
    assert with_abbreviation_period(text, 19, 28) == 28  # already whole
    p = passage("t.txt", "Seoul\n\n" + text, "2025-11-07")
    [answer], _ = assemble([PassageReading(p, (Span(p, *span_of(p, "2:47 p.m"), 0.6, 3.0),))], 0.0, 1)
    assert answer.text == "2:47 p.m." and answer.citations[0].text == "2:47 p.m."


def test_how_deep_expects_a_length():
    from qa.answer_types import expects_length, is_length, type_prior

    for q in ("How deep was the earthquake?", "What was the depth of the quake?", "How far did it fly?",
              "What altitude did the missiles reach?", "How tall was Tesla?"):
        assert expects_length(q)
    assert not expects_length("How long did the outage last?") and not expects_length("How strong was the quake?")
    for length in ("146 km", "435 miles", "25-foot", "a few hundred feet", "6 feet 2 inches", "one-half mile",
                   "700 kilometers (435 miles)", "2,000 m"):
        assert is_length(length), length
    for other in ("6.7", "magnitude 6.7", "Strong", "100–106 °F", "5 million people"):
        assert not is_length(other), other
    prior = type_prior("How deep was the earthquake?", 6.0)
    assert prior("146 km") == 0.0 and prior("6.7") == -6.0


def test_on_what_date_expects_a_day_and_a_type_never_silences_the_only_kind_read():
    from qa.answer_types import expects_day, is_day, type_prior
    from qa.answers import assemble_all

    assert expects_day("On what date did Luther die?") and expects_day("What day was the game played on?")
    assert not expects_day("What day of the week was it?")
    for day in ("May 3, 2013", "12 January", "Monday", "Christmas Eve", "the 3rd of May", "2025-11-07"):
        assert is_day(day), day
    for other in ("two days", "in May", "Mayor", "1546"):
        assert not is_day(other), other
    prior = type_prior("On what date did the strike begin?", 6.0)
    p = passage("strike.txt", "Berlin\n\nThe strike began on Tuesday, two days after the talks failed.\n", "2025-03-06")
    both = [PassageReading(p, (Span(p, *span_of(p, "two days"), 0.6, 3.0), Span(p, *span_of(p, "Tuesday"), 0.3, 2.0)))]
    assert assemble_all(both, 0.1, 1, prior=prior)[0][0].text == "Tuesday"
    # no span of the expected type was read: the answer stands as the reader gave it, at its full score
    only = [PassageReading(p, (Span(p, *span_of(p, "two days"), 0.6, 3.0),))]
    assert [a.score for a in assemble_all(only, 0.1, 1, prior=prior)[0]] == [a.score for a in assemble_all(only, 0.1, 1)[0]]


def test_agreeing_on_a_month_lifts_only_passages_about_the_question():
    a = passage("nov7.txt", NOV7, "2025-11-07")
    span = span_of(a, "700 kilometers")
    month = parse_question_time("How large was the wildfire in November 2025?", TODAY)
    assert TimeScorer(month, 12.0, [a]).judge(a, *span).delta > 0
    off_topic = TimeScorer(month, 12.0, [a], on_topic=lambda p: False)
    assert off_topic.judge(a, *span).delta == 0.0 and off_topic.judge(a, *span).match is True  # dated, no bonus
    other_month = parse_question_time("How large was the wildfire in March 2025?", TODAY)
    assert TimeScorer(other_month, 12.0, [a], on_topic=lambda p: False).judge(a, *span).delta < 0  # still ruled down
    day = parse_question_time("How far did the missile fly on November 7, 2025?", TODAY)  # a day: the rule decides
    assert TimeScorer(day, 12.0, [a], on_topic=lambda p: False).judge(a, *span).delta == 12.0


def test_a_date_filter_counts_a_yearless_date_as_unknown():
    """An article known only by its month and day is neither before nor after a date: a date filter leaves it
    out and counts it among the unknown dates, like an undated one."""
    from types import SimpleNamespace

    from core.types import DocumentFilter
    from qa.service import select_documents

    documents = {name: SimpleNamespace(outlet=None, published=published) for name, published in [
        ("dated.txt", "2026-05-20"), ("wire.txt", "--05-20"), ("undated.txt", None)]}
    chosen, unknown = select_documents(SimpleNamespace(documents=documents), DocumentFilter(published_after="2026-01-01"))
    assert (chosen, unknown) == (frozenset({"dated.txt"}), 2)


def test_year_less_event_dates_still_split_events_by_month_and_day():
    """The same figure in two undated wire stories of different days is two answers; with a dated story of
    the same days it is one."""
    from qa.answers import days_apart, far_apart

    def wire(name: str, published: str) -> Passage:
        text = "Quake rattles the coast\n\nA magnitude 5.8 earthquake shook the region, officials said.\n"
        return with_times([Passage(f"{name}:0-{len(text)}", name, 0, len(text), text)], text, published)[0]

    may, july, dated = wire("may.txt", "--05-20"), wire("july.txt", "--07-08"), wire("dated.txt", "2026-05-19")
    scorer = TimeScorer(None, 2.0, [may, july, dated])
    apart = assemble_all([reading(may, "5.8", 0.9), reading(july, "5.8", 0.8)], 0.0, 3, judge=scorer.judge)[0]
    assert [(a.text, a.event_date) for a in apart] == [("5.8", "--05-20"), ("5.8", "--07-08")]
    together = assemble_all([reading(may, "5.8", 0.9), reading(dated, "5.8", 0.8)], 0.0, 3, judge=scorer.judge)[0]
    assert [(a.text, len(a.citations)) for a in together] == [("5.8", 2)]
    assert days_apart("--12-31", "--01-02") == 2 and days_apart("--05-20", None) is None
    assert far_apart("--05-19", "--07-08") and not far_apart("--05-20", "2024-05-18")


def test_a_number_keeps_the_unit_it_needs():
    from core.text import with_unit

    text = "It struck at 6:52 a.m. local time. Marsk had 38.6 percent, up 2%. It was 10 pm. The toll: 37 people."
    def grown(word: str, after: str = "") -> str:
        start = text.index(word, text.index(after))
        return text[start:with_unit(text, start, start + len(word))]
    assert grown("6:52") == "6:52 a.m."
    assert grown("38.6") == "38.6 percent"
    assert grown("2", "up") == "2%"
    assert grown("10") == "10 pm"
    assert grown("37") == "37"  # a count keeps the reader's bare number
    assert grown("6:52 a.m.") == "6:52 a.m."  # already whole
    p = passage("t.txt", "Dessan\n\n" + text, "2026-03-12")
    [answer], _ = assemble([PassageReading(p, (Span(p, *span_of(p, "38.6"), 0.6, 3.0),))], 0.0, 1)
    assert answer.text == "38.6 percent" and answer.citations[0].text == "38.6 percent"


def test_a_rate_keeps_its_time():
    from core.text import with_unit

    text = ("Winds of 160 kilometers per hour hit Naha; the field pumps 2 million barrels a day at 100 km/h. "
            "It flew 700 kilometers a day after the test, 25 miles a year ago, then 9 miles an hour.")
    def grown(word: str) -> str:
        start = text.index(word)
        return text[start:with_unit(text, start, start + len(word))]
    assert grown("160 kilometers") == "160 kilometers per hour"
    assert grown("2 million barrels") == "2 million barrels a day"
    assert grown("100 km") == "100 km/h"
    assert grown("9 miles") == "9 miles an hour"
    assert grown("700 kilometers") == "700 kilometers"  # "a day after": when, not a rate
    assert grown("25 miles") == "25 miles"
    assert grown("Winds") == "Winds"


def test_a_wire_dateline_is_where_the_story_was_filed_not_an_answer():
    from core.text import in_wire_dateline

    text = ("Crew member dies in ferry fire\n\nDESSAN, Lusmarra (Northsea Wire) — The MV Gannet Point caught fire.\n"
            "SEOUL, Nov. 5, 2024 (Yonhap) -- North Korea fired a missile.\nNASA, the agency, said - nothing.")
    def inside(words: str) -> bool:
        start = text.index(words)
        return in_wire_dateline(text, start, start + len(words))
    assert inside("DESSAN, Lusmarra") and inside("Northsea Wire") and inside("SEOUL") and inside("Nov. 5, 2024")
    assert not inside("MV Gannet Point") and not inside("North Korea") and not inside("NASA")
    assert not inside("Crew member")
    p = passage("t.txt", text, "2026-08-28")
    readings = [PassageReading(p, (Span(p, *span_of(p, "DESSAN, Lusmarra"), 0.8, 6.0),
                                   Span(p, *span_of(p, "MV Gannet Point"), 0.6, 3.0)))]
    [answer], _ = assemble(readings, 0.0, 1)
    assert answer.text == "MV Gannet Point"


def test_a_share_question_expects_a_percentage_or_a_fraction():
    from qa.answer_types import expects_share, is_share, type_prior
    from qa.answers import assemble_all

    for q in ("What share of the vote did Brevik win?", "What was the turnout?", "What percentage of farmland grows wheat?",
              "What percent of households reported a loss?", "How much of the vote did the party get?",
              "What proportion did detached homes rise?"):
        assert expects_share(q), q
    for q in ("How many votes did Brevik get?", "How much did the repairs cost?", "What was the result?"):
        assert not expects_share(q), q
    for share in ("38.6 percent", "52.7%", "22 per cent", "5 percentage points", "over half", "two-thirds",
                  "one in five", "three out of ten", "27-30%"):
        assert is_share(share), share
    for other in ("3.2 million", "two five-year terms", "61", "Joakim Brevik", "1,200 votes"):
        assert not is_share(other), other
    prior = type_prior("What share of the vote did Brevik receive?", 6.0)
    p = passage("vote.txt", "Dessan\n\nBrevik received 3.2 million votes, or 47.3 percent, in the run-off.\n", "2026-06-01")
    both = [PassageReading(p, (Span(p, *span_of(p, "3.2 million"), 0.6, 3.0), Span(p, *span_of(p, "47.3"), 0.3, 1.5)))]
    assert assemble_all(both, 0.1, 1, prior=prior)[0][0].text == "47.3 percent"  # the type, and the number's unit
    alone = [PassageReading(p, (Span(p, *span_of(p, "3.2 million"), 0.6, 3.0),))]
    assert assemble_all(alone, 0.1, 1, prior=prior)[0][0].text == "3.2 million"  # no share read: the type never silences


def test_a_confident_alternative_of_the_expected_type_comes_first():
    from qa.answer_types import type_prior
    from qa.answers import assemble_all

    prior = type_prior("At what time did the ferry run aground?", 6.0)
    p = passage("ferry.txt", "Dessan\n\nThe ferry ran aground on Thursday. It struck the reef at 6:52 a.m. in fog.\n",
                "2026-03-12")
    readings = [PassageReading(p, (Span(p, *span_of(p, "Thursday"), 0.6, 12.0), Span(p, *span_of(p, "6:52 a.m."), 0.3, 4.0)))]
    answers = assemble_all(readings, 0.1, 3, prior=prior)[0]
    assert [a.text for a in answers][:2] == ["6:52 a.m.", "Thursday"]
    assert [a.text for a in assemble_all(readings, 0.1, 3)[0]][0] == "Thursday"  # no type asked: the reader's order
