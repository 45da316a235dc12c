"""Sentence ends for dating answers (``core.text.sentence_ends``): hand-worked cases. No models."""

from core.text import sentence_ends


def ends(text: str) -> list[str]:
    return [text[:i].split()[-1] for i in sentence_ends(text)]  # the last word of each sentence


def test_full_stops_end_sentences_and_abbreviations_do_not():
    text = ("It fell into the Yellow Sea. Gen. Kim said U.S. forces left at 7 a.m. on Oct. 3. J. Smith agreed! "
            "St. Louis? No. 5 won.")
    assert ends(text) == ["Sea.", "3.", "agreed!", "Louis?"]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    text = 'He said "it is over." Then (as planned.) it ended.'
    cut = sentence_ends(text)
    assert [text[i:i + 4] for i in cut] == ["Then", "it e"]


def test_bounds_and_empty_text():
    text = "One. Two. Three."
    assert sentence_ends("") == []
    assert sentence_ends(text, 0, 4) == []  # the end needs its whitespace inside the range
    assert sentence_ends(text, 0, 5) == [5]
    assert sentence_ends(text, 5) == [10]
