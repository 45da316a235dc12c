"""``python -m eval.event_accuracy``: does the top answer come from the event the question names?

Runs the product over a temporal question set — the generated article families
(``python -m eval.temporal``) or the team's own seed questions (``eval/gold/seeds-temporal.jsonl``)
— once per temporal weight (``Settings.time_weight``; 0 = the signal off), and reports per weight
and per question kind (day, month, year, weekday, latest, earliest, none):

* event accuracy: among questions whose event is in the corpus, the top answer cites one of the
  articles that report it;
* EM / F1 of the top answer (SQuAD rules) on those questions;
* abstention on questions whose named date has no event in the corpus (``answers: []``).

The weight is chosen on the generated families, never on the gold set; readings are cached across
weights, so a sweep costs one reading of each question.

    python -m eval.event_accuracy --generate runs/temporal --weights 0 1 2 3 4 --out eval/reports/temporal
    python -m eval.event_accuracy --questions eval/gold/seeds-temporal.jsonl --corpus seeds --weights 0 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from eval.command import parse_offline


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(service, questions: list[dict], weight: float, as_of) -> dict:
    from eval.metrics import score_answer

    service.settings.time_weight = weight
    kinds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows = []
    for q in questions:
        result = service.ask(q["question"], as_of=as_of)
        top = result.answers[0] if result.answers else None
        stats = kinds[q["kind"]]
        stats["n"] += 1
        if not q["answers"]:
            stats["unanswerable"] += 1
            stats["abstained"] += top is None
            rows.append({"id": q["id"], "answer": top.text if top else None, "abstained": top is None})
            continue
        em, f1 = score_answer(top.text if top else None, q["answers"])
        on_event = bool(top) and any(c.file in q["sources"] for c in top.citations)
        stats["answerable"] += 1
        stats["event"] += on_event
        stats["em"] += em
        stats["f1"] += f1
        rows.append({"id": q["id"], "answer": top.text if top else None, "event_date": top.event_date if top else None,
                     "on_event": on_event, "em": em, "f1": round(f1, 3)})
    total = defaultdict(float)
    for stats in kinds.values():
        for k, v in stats.items():
            total[k] += v

    def summary(s: dict[str, float]) -> dict:
        a = s["answerable"] or 1
        return {"questions": int(s["n"]), "event_accuracy": round(s["event"] / a, 4), "em": round(100 * s["em"] / a, 1),
                "f1": round(100 * s["f1"] / a, 1),
                "unanswerable_abstained": f"{int(s['abstained'])}/{int(s['unanswerable'])}"}

    dated = defaultdict(float)
    for kind, stats in kinds.items():
        if kind != "none":
            for k, v in stats.items():
                dated[k] += v
    return {"weight": weight, "all": summary(total), "dated": summary(dated),
            "by_kind": {k: summary(v) for k, v in sorted(kinds.items())}, "questions": rows}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.event_accuracy", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--generate", type=Path, metavar="DIR", help="generate the article families into DIR first")
    source.add_argument("--questions", type=Path, metavar="FILE", help="a temporal question set (JSONL)")
    p.add_argument("--corpus", type=Path, help="the corpus of --questions (default: DIR/corpus with --generate)")
    p.add_argument("--seed", type=int, default=7, help="generator seed (with --generate)")
    p.add_argument("--weights", type=float, nargs="+", default=[0.0, 2.0], help="temporal weights to compare")
    p.add_argument("--as-of", default=None, help="the day relative words count from (YYYY-MM-DD; default today)")
    p.add_argument("--out", type=Path, help="write metrics.json and report.md here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_offline(build_parser(), argv)
    if isinstance(args, int):
        return args
    from datetime import date

    from core.settings import Settings
    from qa.service import QAService

    if args.generate:
        from eval.temporal import main as generate

        generate(["--out", str(args.generate), "--seed", str(args.seed)])
        questions_path, corpus = args.generate / "questions.jsonl", args.corpus or args.generate / "corpus"
    else:
        questions_path, corpus = args.questions, args.corpus
        if corpus is None:
            print("error: --corpus is needed with --questions", file=sys.stderr)
            return 2
    questions = load_questions(questions_path)
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    with tempfile.TemporaryDirectory() as tmp:
        service = QAService(Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index", answer_cache_size=0))
        service.warm_up(load_index=False)
        service.build_index(show_progress=True)
        service.reload()
        runs = [score(service, questions, w, as_of) for w in args.weights]
    lines = [f"# Event accuracy on {questions_path} ({len(questions)} questions, corpus {corpus})", "",
             "| time_weight | event accuracy (dated) | EM | F1 | all questions: event accuracy | unanswerable abstained |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        lines.append(f"| {r['weight']:g} | {r['dated']['event_accuracy']:.3f} | {r['dated']['em']} | {r['dated']['f1']} "
                     f"| {r['all']['event_accuracy']:.3f} | {r['all']['unanswerable_abstained']} |")
    lines += ["", "By kind (event accuracy / F1):", "", "| kind | " + " | ".join(f"w={r['weight']:g}" for r in runs) + " |",
              "|---|" + "---:|" * len(runs)]
    for kind in runs[0]["by_kind"]:
        lines.append(f"| {kind} ({runs[0]['by_kind'][kind]['questions']}) | " + " | ".join(
            f"{r['by_kind'][kind]['event_accuracy']:.3f} / {r['by_kind'][kind]['f1']}" for r in runs) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "metrics.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
        (args.out / "report.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
