"""The temporal question sets: ``eval.temporal`` (generated families) and
``eval/gold/seeds-temporal.jsonl`` (hand-written, on the real seed articles). No models.

Checked for both: ids unique, sources exist, answers verbatim in their sources, and every date a
question names agrees with its ``event_date`` at the precision its ``kind`` says. For the
generated set also: determinism (same seed, same bytes, whatever the hash seed), article shape
(dateline, length, distractors) and that a dated question names no other event of its family.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from eval import temporal
from eval.goldsets import parse_jsonl

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEEDS_TEMPORAL = REPO / "eval" / "gold" / "seeds-temporal.jsonl"

FIELDS = {"id", "question", "answers", "sources", "event_date", "kind", "family"}
MONTH_RE = "|".join(re.escape(m) for m in dict.fromkeys(temporal.MONTHS + temporal.AP_MONTHS))
WEEKDAY_RE = "|".join(temporal.WEEKDAYS)


def _month(word: str) -> int:
    return (temporal.MONTHS.index(word) if word in temporal.MONTHS else temporal.AP_MONTHS.index(word)) + 1


def named_date(text: str) -> dict[str, int]:
    """The parts of a date a text names: month, day, year, weekday (0 = Monday)."""
    found: dict[str, int] = {}
    m = (re.search(rf"\b({MONTH_RE}) (\d{{1,2}})(?:, (\d{{4}}))?(?![\d])", text)
         or re.search(rf"\b(\d{{1,2}}) ({MONTH_RE})(?: (\d{{4}}))?\b", text))
    if m:
        month, day = (m.group(1), m.group(2)) if not m.group(1).isdigit() else (m.group(2), m.group(1))
        found.update(month=_month(month), day=int(day))
        if m.group(3):
            found["year"] = int(m.group(3))
    elif m := re.search(rf"\b({MONTH_RE}) (\d{{4}})\b", text):
        found.update(month=_month(m.group(1)), year=int(m.group(2)))
    if "year" not in found and (y := re.search(r"\b(19|20)\d{2}\b", text)):
        found["year"] = int(y.group(0))
    if w := re.search(rf"\b({WEEKDAY_RE})\b", text):
        found["weekday"] = temporal.WEEKDAYS.index(w.group(1))
    return found


def check_date(row: dict) -> None:
    """The question names exactly as much of the date as its kind says, and it is event_date's."""
    named, kind, qid = named_date(row["question"]), row["kind"], row["id"]
    if kind in ("latest", "earliest", "none"):
        assert not named, f"{qid}: a {kind} question names a date: {row['question']!r}"
        return
    d = date.fromisoformat(row["event_date"])
    expected = {"day": {"month", "day"}, "month": {"month", "year"}, "year": {"year"},
                "weekday": {"weekday"}}[kind]
    assert expected <= set(named), f"{qid}: {kind} question without its date: {row['question']!r}"
    if kind in ("month", "year"):
        assert "day" not in named, qid
    if kind in ("year", "weekday"):
        assert "month" not in named, qid
    actual = {"month": d.month, "day": d.day, "year": d.year, "weekday": d.weekday()}
    for part, value in named.items():
        assert actual[part] == value, f"{qid}: names {part} {value}, event_date is {d}"


def check_rows(rows: list[dict], corpus: Path, allow_unanswerable: bool) -> None:
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    texts: dict[str, str] = {}
    for row in rows:
        qid = row["id"]
        assert set(row) == FIELDS, f"{qid}: fields {sorted(row)}"
        assert row["question"].strip().endswith("?"), qid
        for name in row["sources"]:
            path = corpus / name
            assert path.is_file(), f"{qid}: no source {name}"
            texts.setdefault(name, path.read_text(encoding="utf-8"))
        answers, sources = row["answers"], row["sources"]
        if not answers:
            assert allow_unanswerable and not sources, f"{qid}: no answers"
            assert row["kind"] != "none" and row["event_date"], qid
        else:
            assert sources and len(set(answers)) == len(answers), qid
            assert answers[0] in texts[sources[0]], f"{qid}: first answer not in first source"
            for answer in answers:
                holders = [s for s in sources if answer in texts[s]]
                assert holders, f"{qid}: {answer!r} in none of its sources"
                if len(sources) == 1:
                    assert holders == sources, qid
            for source in sources:  # each listed source holds an answer
                assert any(a in texts[source] for a in answers), f"{qid}: nothing in {source}"
        check_date(row)


# --------------------------------------------------------------------------- generated set


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("temporal")
    assert temporal.main(["--out", str(out)]) == 0
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_generator_is_deterministic(generated: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONHASHSEED="12345")
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-m", "eval.temporal", "--out", str(again), "--seed", "7"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    assert _tree(again) == _tree(generated)
    other = tmp_path / "other"
    temporal.write(other, seed=8)
    assert _tree(other) != _tree(generated)


def test_generated_counts_and_shape(generated: Path) -> None:
    rows = _rows(generated / "questions.jsonl")
    articles = sorted((generated / "corpus").glob("*.txt"))
    families = {r["family"] for r in rows}
    assert len(families) == 12 and 45 <= len(articles) <= 60 and 180 <= len(rows) <= 260
    kinds = {k: sum(r["kind"] == k for r in rows) for k in temporal.KINDS}
    assert kinds["latest"] == kinds["earliest"] == 12
    assert kinds["day"] >= 100 and kinds["month"] >= 10 and kinds["year"] >= 1 and kinds["none"] >= 12
    per_family = defaultdict(int)
    for a in articles:
        per_family[a.name.rsplit("-", 1)[0]] += 1
    assert set(per_family) == families and all(3 <= n <= 5 for n in per_family.values())
    assert re.fullmatch(r"t\d{4}", rows[0]["id"])
    readme = (generated / "README.md").read_text(encoding="utf-8")
    assert f"{len(articles)} articles" in readme and f"{len(rows)} questions" in readme


def test_generated_answers_sources_and_dates(generated: Path) -> None:
    rows = _rows(generated / "questions.jsonl")
    check_rows(rows, generated / "corpus", allow_unanswerable=True)
    no_event = [r for r in rows if not r["answers"]]
    assert sum(r["kind"] == "day" for r in no_event) == 2 * 12  # days on which the family reports nothing
    assert sum(r["kind"] == "month" for r in no_event) == 12  # a month in which only another family does
    assert all(r["kind"] in ("day", "month") and not r["sources"] for r in no_event)
    assert parse_jsonl((generated / "questions.jsonl").read_text(encoding="utf-8"))
    # a count is right as the bare number too ("9" for "9 people"), and a form with its zone or conversion
    counts = [r for r in rows if r["answers"] and r["question"].startswith("How many")
              and re.fullmatch(r"[\d,.]+ [a-z ]+", r["answers"][0])]
    assert counts and all(r["answers"][0].split(" ")[0] in r["answers"] for r in counts)
    assert any(a.endswith(" local time") for r in rows for a in r["answers"])
    assert any(re.search(r"\) *$", a) and " (" in a for r in rows for a in r["answers"])


def _article_dates(rows: list[dict]) -> dict[str, date]:
    """Each article's event date, as its single-source dated questions give it (consistently)."""
    dates: dict[str, date] = {}
    for r in rows:
        if r["kind"] != "none" and r["answers"]:
            (source,) = r["sources"]
            d = date.fromisoformat(r["event_date"])
            assert dates.setdefault(source, d) == d, f"{source}: two event dates"
    return dates


def test_dated_questions_name_no_other_event(generated: Path) -> None:
    rows = _rows(generated / "questions.jsonl")
    dates = _article_dates(rows)
    assert set(dates) == {p.name for p in (generated / "corpus").glob("*.txt")}
    by_family: dict[str, list[str]] = defaultdict(list)
    for name in sorted(dates):
        by_family[name.rsplit("-", 1)[0]].append(name)
    for r in rows:
        own = by_family[r["family"]]
        if r["kind"] == "none":
            assert r["event_date"] is None and sorted(r["sources"]) == own
            assert len(own) <= len(r["answers"]) <= 4 * len(own)  # each article's value, in its forms
            continue
        if r["kind"] in ("latest", "earliest"):
            pick = max if r["kind"] == "latest" else min
            assert date.fromisoformat(r["event_date"]) == pick(dates[n] for n in own), r["id"]
            continue
        named = named_date(r["question"])
        for other in own:
            if other in r["sources"]:
                continue
            d = dates[other]
            parts = {"month": d.month, "day": d.day, "year": d.year, "weekday": d.weekday()}
            assert any(parts[k] != v for k, v in named.items()), f"{r['id']} also names {other}"


DATELINES = (
    (rf"^Published: (\d{{4}})-(\d{{2}})-(\d{{2}}) \d\d:\d\d [A-Z]{{3,4}}$", "ymd"),
    (rf"^Updated \d{{1,2}}:\d\d [AP]M [A-Z]{{3,4}}, [A-Z][a-z]{{2}} ({MONTH_RE}) (\d{{1,2}}), "
     rf"(\d{{4}})$", "mdy"),
    (rf"^(?:{WEEKDAY_RE}), ({MONTH_RE}) (\d{{1,2}}), (\d{{4}})$", "mdy"),
    (rf"^[A-Z][A-Z ]+, ({MONTH_RE}) (\d{{1,2}}), (\d{{4}}) \(.+?\) -- ", "mdy"),
    (rf"^({MONTH_RE}) (\d{{1,2}}), (\d{{4}})$", "mdy"),
)


def published(text: str) -> date:
    for pattern, order in DATELINES:
        if m := re.search(pattern, text, re.M):
            if order == "ymd":
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    raise AssertionError("no dateline")


def test_articles_read_like_news(generated: Path) -> None:
    rows = _rows(generated / "questions.jsonl")
    dates = _article_dates(rows)
    with_distractor = 0
    for path in sorted((generated / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert 250 <= len(text.split()) <= 600, f"{path.name}: {len(text.split())} words"
        story = [b for b in text.split("\n\n") if len(b.split()) >= 20]
        assert 4 <= len(story) <= 9, f"{path.name}: {len(story)} paragraphs"
        event, pub = dates[path.name], published(text)
        assert 0 <= (pub - event).days <= 3, f"{path.name}: published {pub}, event {event}"
        # The day is given one way or another: weekday, yesterday/today, or the date itself.
        month_day = (f"{temporal.AP_MONTHS[event.month - 1]} {event.day}",
                     f"{temporal.MONTHS[event.month - 1]} {event.day}")
        relative = any(w in text.lower() for w in ("yesterday", "today", "last night"))
        assert (temporal.WEEKDAYS[event.weekday()] in text or relative
                or any(md in text for md in month_day)), path.name
        # An earlier event of the same kind, with a date of its own.
        others = {(m.group(1), m.group(2))
                  for m in re.finditer(rf"\b[Oo]n ({MONTH_RE}) (\d{{1,2}})\b", text)}
        others |= {(m.group(2), m.group(1))
                   for m in re.finditer(rf"\b[Oo]n (\d{{1,2}}) ({MONTH_RE})\b", text)}
        own = {(_month(mo), int(d)) for mo, d in others} - {(event.month, event.day), (pub.month, pub.day)}
        with_distractor += bool(own)
    assert with_distractor >= 0.5 * len(dates)


def test_families_argument(tmp_path: Path) -> None:
    n_articles, n_questions = temporal.write(tmp_path, seed=3, families=2)
    assert {p.name.split("-")[0] for p in (tmp_path / "corpus").glob("*.txt")} == {"quake", "missile"}
    assert 6 <= n_articles <= 10 and n_questions == len(_rows(tmp_path / "questions.jsonl"))
    with pytest.raises(ValueError):
        temporal.generate(families=13)


# --------------------------------------------------------------------------- seed questions


def test_seed_temporal_questions() -> None:
    rows = _rows(SEEDS_TEMPORAL)
    assert 20 <= len(rows) <= 30
    assert all(re.fullmatch(r"s\d{2}", r["id"]) for r in rows)
    assert {r["kind"] for r in rows} <= set(temporal.KINDS) | {"weekday"}
    check_rows(rows, SEEDS, allow_unanswerable=True)
    assert 3 <= sum(not r["answers"] for r in rows) <= 5
    assert parse_jsonl(SEEDS_TEMPORAL.read_text(encoding="utf-8"))
