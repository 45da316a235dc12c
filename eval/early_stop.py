"""``python -m eval.early_stop``: choose ``qa.reading_order.EVIDENCE_CAP`` on SQuAD dev open mode.

Every question of a sample is answered the product's way (retrieve ``--top-k``, read them all), and
then the reading in order of promise is replayed on the same readings for each candidate cap and
first batch: read the first passages, stop when ``qa.reading_order.decided`` says no unread passage
could change the outcome, else read the rest. Readings do not depend on what else is read, so the
replay is exact. Reported per setting: the share of questions whose top answer (or no-answer
verdict) differs from reading everything, EM/F1 after the threshold, passages and reader tokens
read per question. The cap is chosen on the first half of the file's articles (the smallest cap
whose answers differ on at most ``--max-changed`` of the questions) and reported on the second.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path


CAPS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0)
FIRST_BATCHES = (2, 3, 4)
NEXT_BATCHES = (2, 8)  # passages read after each undecided check (8: all the rest at once)


@dataclass
class Replay:
    question: str
    answers: tuple[str, ...]
    readings: list  # PassageReading per retrieved passage, in retrieval order
    log_weights: list[float]
    tokens: list[int]  # reader tokens of each passage (question included)
    gain: float  # the most the temporal signal can add (> 0: the question names a time, so it is read in full)
    judge: object
    weights: dict


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.early_stop", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, default=Path("../shared/data/squad/dev-public-v1.1.json.gz"))
    p.add_argument("--sample", type=int, default=500, help="questions per half")
    p.add_argument("--top-k", type=int, default=8)
    p.add_argument("--max-changed", type=float, default=0.005, help="share of questions whose answer may change")
    p.add_argument("--out", type=Path, default=Path("eval/reports/early-stop"))
    p.add_argument("--cache-dir", type=Path, default=Path(".citeqa/eval-cache"))
    p.add_argument("--reuse", action="store_true", help="replay the readings saved by the last run (same sample)")
    return p


def collect(service, questions, top_k: int) -> list[Replay]:
    from qa.answers import relevance_weights
    from qa.question_time import parse_question_time
    from qa.reading_order import log_weight
    from qa.timing import TimeScorer, passage_agreement

    replays = []
    for i, q in enumerate(questions):
        constraint = parse_question_time(q.question, date(2026, 12, 1))
        agrees = (lambda p: passage_agreement(p, constraint)) if constraint is not None and constraint.range else None
        query = service.embedder.embed_queries([q.question])
        retrieved = service._retriever.retrieve(q.question, top_k, query=query, agrees=agrees)
        passages = [r.passage for r in retrieved]
        readings = service.reader.read(q.question, passages)
        weights = relevance_weights({r.passage.id: r.similarity for r in retrieved}, service.settings.relevance_temperature)
        encoded = service.reader.encode(q.question, passages)
        tokens = [0] * len(passages)
        for row, owner in zip(encoded.input_ids, encoded.window_passage):
            tokens[owner] += len(row)
        judge = TimeScorer(constraint, service.settings.time_weight, passages).judge
        gain = service.settings.time_weight if constraint is not None else 0.0
        replays.append(Replay(q.question, q.answers, readings, [log_weight(weights.get(p.id)) for p in passages],
                              tokens, gain, judge, weights))
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(questions)} questions read", file=sys.stderr)
    return replays


def replay(r: Replay, service, cap: float | None, first: int, step: int = 8) -> tuple[str | None, int, int, int]:
    """(prediction, passages read, tokens read, reader calls) reading in order of promise; ``cap`` None reads all."""
    from qa.answers import assemble_with_events
    from qa.reading_order import decided

    threshold, scale = service.threshold, service.reader.score_scale
    n = len(r.readings) if cap is None or r.gain > 0 else min(first, len(r.readings))
    calls = 1
    while True:
        answers, no_answer, _ = assemble_with_events(r.readings[:n], threshold, 3, r.weights, scale, judge=r.judge)
        if n >= len(r.readings):
            break
        top = answers[0].score if answers else no_answer.score
        if decided(top, threshold, r.log_weights[n:], scale, cap):
            break
        n = min(n + step, len(r.readings))
        calls += 1
    return (answers[0].text if answers else None), n, sum(r.tokens[:n]), calls


def summarize(replays: Sequence[Replay], service, cap: float | None, first: int, step: int = 8) -> dict:
    from core.text import exact_match_score, f1_score, metric_max_over_ground_truths

    full = [replay(r, service, None, first)[0] for r in replays]
    ems, f1s, read, tokens, changed, checks = [], [], [], [], 0, 0
    for r, reference in zip(replays, full):
        prediction, n, t, calls = replay(r, service, cap, first, step)
        checks += calls
        changed += prediction != reference
        ems.append(metric_max_over_ground_truths(exact_match_score, prediction, r.answers) if prediction else 0.0)
        f1s.append(metric_max_over_ground_truths(f1_score, prediction, r.answers) if prediction else 0.0)
        read.append(n)
        tokens.append(t)
    k = len(replays)
    return {"cap": cap, "first": first, "step": step, "changed": round(changed / k, 4), "em": round(100 * sum(ems) / k, 2),
            "f1": round(100 * sum(f1s) / k, 2), "passages_read": round(sum(read) / k, 2),
            "tokens_read": round(sum(tokens) / k, 1), "checks": round(checks / k, 2)}


def main(argv: Sequence[str] | None = None) -> int:
    from eval.run import open_study_command

    opened = open_study_command(build_parser(), argv)
    if isinstance(opened, int):
        return opened
    args, study = opened
    halves = study.halves
    service = study.service(reading_cache_size=0)
    started = time.perf_counter()
    cached = args.cache_dir / f"early-stop-replays-{args.sample}-{args.top_k}.pkl"
    if args.reuse and cached.is_file():
        replays = pickle.loads(cached.read_bytes())
    else:
        replays = {name: collect(service, qs, args.top_k) for name, qs in halves.items()}
        cached.write_bytes(pickle.dumps(replays))
    rows = {name: [summarize(rs, service, None, 0)] + [summarize(rs, service, cap, first, step)
                                                        for step in NEXT_BATCHES for first in FIRST_BATCHES
                                                        for cap in CAPS]
            for name, rs in replays.items()}
    # the product reads the rest at once after the first batch (step 8); steps of 2 are shown for comparison
    ok = [row for row in rows["calibration"][1:] if row["changed"] <= args.max_changed and row["step"] == 8]
    # fewest tokens; a forward pass costs a few ms on its own, so count each extra check as 40 tokens
    chosen = min(ok, key=lambda row: (row["tokens_read"] + 40 * row["checks"], row["cap"])) if ok else None
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"squad": args.squad.name, "top_k": args.top_k, "sample_per_half": args.sample,
              "max_changed": args.max_changed, "chosen": chosen, "rows": rows,
              "seconds": round(time.perf_counter() - started, 1)}
    (args.out / "early_stop.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [f"# Reading in order of promise: choosing EVIDENCE_CAP ({args.squad.name}, open mode, top_k {args.top_k})",
             "", f"{args.sample} answerable questions per half; chosen on the calibration half: the setting with "
             f"the fewest tokens read whose top answers differ from reading everything on at most "
             f"{100 * args.max_changed:g}% of questions.", ""]
    for name, table in rows.items():
        lines += [f"## {name}", "", "| first batch | then | cap | answers changed | EM | F1 | passages read | tokens read | reader calls |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in table:
            mark = " **(chosen)**" if chosen and all(row[k] == chosen[k] for k in ("cap", "first", "step")) else ""
            lines.append(f"| {row['first'] or 'all'} | {row['step'] if row['first'] else ''} | {row['cap'] if row['cap'] is not None else 'read all'}{mark} | "
                         f"{100 * row['changed']:.1f}% | {row['em']} | {row['f1']} | {row['passages_read']} | "
                         f"{row['tokens_read']} | {row['checks']} |")
        lines.append("")
    (args.out / "report.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
