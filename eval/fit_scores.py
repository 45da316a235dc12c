"""``python -m eval.fit_scores``: make a reader's answer scores mean "chance of being exactly right".

The whole product answers every SQuAD dev question in open mode (retrieval among all the file's
paragraphs, then reading, never abstaining). A logistic regression from each question's top answer's
evidence (``qa.answers``: log-odds of the answer against "no answer", relevance included) to
whether it is an exact match is fitted on the first half of the file's articles and checked on
the second half (a reliability table: mean score against the observed exact-match rate per score
bin). With ``--write`` the fitted ``ScoreScale`` goes into ``citeqa.json`` beside the weights, and
the no-answer threshold there is translated into the new units, so the same answers are withheld
as before; run ``python -m eval.calibrate`` afterwards to re-choose it. Never fit on the training file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from eval.command import parse_offline

BINS = (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Observation:
    evidence: float  # log-odds of the top answer against "no answer" (identity scale)
    exact: bool  # the top answer is an exact match
    held_out: bool  # from the second half of the articles


def logit(p: float) -> float:
    p = min(max(p, 1e-15), 1 - 1e-15)
    return math.log(p / (1 - p))


def fit_scale(evidence: Sequence[float], exact: Sequence[bool], iterations: int = 50):
    """The ``ScoreScale`` of a one-feature logistic regression of exact match on evidence (Newton's method,
    unregularized: ``P(exact) = sigmoid(scale * evidence + offset)``)."""
    import numpy as np

    from qa.calibration import ScoreScale

    if len(set(exact)) < 2:
        raise ValueError("fitting needs both right and wrong answers")
    x = np.column_stack([np.asarray(evidence, dtype=float), np.ones(len(evidence))])
    y = np.asarray(exact, dtype=float)
    w = np.zeros(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -500, 500)))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, x.T @ (y - p))
        w += step
        if np.abs(step).max() < 1e-10:
            break
    scale, offset = float(w[0]), float(w[1])
    if not scale > 0:
        raise ValueError(f"a higher evidence should mean a likelier exact match; the fit says scale {scale:.4f}")
    return ScoreScale(round(scale, 6), round(offset, 6))


def reliability(scores: Sequence[float], exact: Sequence[bool], bins: Sequence[float] = BINS) -> list[dict]:
    """Per score bin: how many answers, their mean score and their observed exact-match rate."""
    rows = []
    for lo, hi in zip(bins, bins[1:]):
        members = [(s, e) for s, e in zip(scores, exact) if lo <= s < hi or (hi == bins[-1] and s == hi)]
        rows.append({"bin": f"[{lo:.1f}, {hi:.1f}{']' if hi == bins[-1] else ')'}", "n": len(members),
                     "mean_score": round(sum(s for s, _ in members) / len(members), 3) if members else None,
                     "exact_rate": round(sum(e for _, e in members) / len(members), 3) if members else None})
    return rows


def expected_calibration_error(scores: Sequence[float], exact: Sequence[bool]) -> float:
    rows = reliability(scores, exact)
    n = sum(r["n"] for r in rows)
    return sum(r["n"] * abs(r["mean_score"] - r["exact_rate"]) for r in rows if r["n"]) / n if n else 0.0


def plot_reliability(path: Path, table: Sequence[dict], held_out: int) -> None:
    """Mean score against the observed exact-match rate per score bin (on the diagonal = calibrated)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in table if r["n"]]
    fig, ax = plt.subplots(figsize=(5.0, 4.2), dpi=100)
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
    ax.plot([r["mean_score"] for r in rows], [r["exact_rate"] for r in rows], "o-", color="tab:blue",
            label=f"held-out answers ({held_out})")
    for r in rows:
        ax.annotate(str(r["n"]), (r["mean_score"], r["exact_rate"]), textcoords="offset points", xytext=(4, -10),
                    fontsize=7)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="answer score (bin mean)", ylabel="exact-match rate",
           title="Answer scores against how often they are right")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def observe(squad: Path, reader_dir: Path, top_k: int, sample: int | None, cache_dir: Path) -> list[Observation]:
    """The product on every (or ``sample`` evenly spaced) question, never abstaining."""
    from tqdm import tqdm

    from eval.calibrate import split_articles
    from eval.goldsets import GoldFormatError, load_gold, spread, write_paragraph_corpus
    from eval.metrics import score_answer
    from eval.run import _squad_cache
    from qa.service import QAService
    from core.settings import Settings

    gold = load_gold(squad)
    if gold.kind != "squad":
        raise GoldFormatError(f"{squad} is not a SQuAD JSON file")
    _, held_articles = split_articles(gold)
    base = Settings(reader_model=str(reader_dir), top_k=top_k, no_answer_threshold=0.0)
    cache = _squad_cache(gold, base, cache_dir)
    settings = base.model_copy(update={"corpus_dir": write_paragraph_corpus(gold.paragraphs, cache / "corpus"),
                                       "index_dir": cache / "index"})
    service = QAService(settings)
    service.warm_up(load_index=False)
    service.build_index(show_progress=True)
    service.reload()
    current = service.reader.score_scale
    observations = []
    questions = [q for q in gold.questions if q.answerable]
    for q in tqdm(spread(questions, sample), desc="open mode", unit="q", file=sys.stderr, dynamic_ncols=True):
        result = service.ask(q.question, top_k=top_k, max_answers=1)
        if not result.answers:
            continue  # nothing read at all
        top = result.answers[0]
        evidence = (logit(top.score) - current.offset) / current.scale  # back to the identity scale
        exact = score_answer(top.text, q.answers)[0] == 1.0
        observations.append(Observation(evidence, exact, gold.paragraph(q.paragraph).article in held_articles))
    return observations


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.fit_scores", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reader", type=Path, default=Path("models/reader"), help="reader model folder (default %(default)s)")
    p.add_argument("--squad", type=Path, required=True, help="SQuAD 1.1 dev JSON (optionally .gz)")
    p.add_argument("--top-k", type=int, default=8, help="passages read per question, as served (default %(default)s)")
    p.add_argument("--sample", type=int, default=None, metavar="N", help="N questions evenly spaced (default all)")
    p.add_argument("--cache-dir", type=Path, default=Path(".citeqa/eval-cache"), help="paragraph corpora and indexes")
    p.add_argument("--out", type=Path, required=True, help="folder for fit_scores.md and fit_scores.json")
    p.add_argument("--write", action="store_true", help="write the fitted scale (and the translated threshold) "
                                                       "into the reader's citeqa.json")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_offline(build_parser(), argv)
    if isinstance(args, int):
        return args
    from core.settings import TOP_K_MAX, TOP_K_MIN
    from eval.calibrate import dev_input_problem
    from eval.goldsets import GoldFormatError
    from qa.calibration import update_calibration
    from qa.reader import TransformersReader

    problem = dev_input_problem(args.squad, args.reader)
    if problem is None and not (TOP_K_MIN <= args.top_k <= TOP_K_MAX and (args.sample is None or args.sample >= 1)):
        problem = f"--top-k must be in {TOP_K_MIN}-{TOP_K_MAX} and --sample positive"
    if problem is None:
        try:
            old = TransformersReader(str(args.reader))  # its current scale and threshold (a clear error if invalid)
            args.out.mkdir(parents=True, exist_ok=True)
        except (ValueError, OSError) as exc:
            problem = str(exc)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        observations = observe(args.squad, args.reader, args.top_k, args.sample, args.cache_dir)
    except (GoldFormatError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    fit = [o for o in observations if not o.held_out]
    held = [o for o in observations if o.held_out]
    try:
        scale = fit_scale([o.evidence for o in fit], [o.exact for o in fit])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    threshold_evidence = (logit(old.no_answer_threshold) - old.score_scale.offset) / old.score_scale.scale
    threshold = round(scale.score(threshold_evidence), 4)
    held_scores = [scale.score(o.evidence) for o in held]
    table = reliability(held_scores, [o.exact for o in held])
    ece = expected_calibration_error(held_scores, [o.exact for o in held])
    record = {"scale": scale.scale, "offset": scale.offset,
              "fitted_on": f"{args.squad.name} open mode, top_k {args.top_k}, never abstaining: {len(fit)} questions of "
                           "the first half of the articles; score = estimated chance of an exact match",
              "held_out": {"questions": len(held), "expected_calibration_error": round(ece, 4)}}
    lines = [f"# Answer scores for {args.reader}", "",
             f"score = sigmoid({scale.scale} * evidence {'-' if scale.offset < 0 else '+'} {abs(scale.offset)}), fitted on {len(fit)} questions "
             f"(first half of the articles of {args.squad.name}, open mode, top_k {args.top_k}, never abstaining).",
             f"The no-answer threshold in these units: {threshold} (was {old.no_answer_threshold} in the old units).", "",
             f"Held out ({len(held)} questions, second half of the articles): expected calibration error {ece:.3f}.", "",
             "| score bin | answers | mean score | exact-match rate |", "|---|---:|---:|---:|"]
    lines += [f"| {r['bin']} | {r['n']} | {r['mean_score'] if r['n'] else '–'} | {r['exact_rate'] if r['n'] else '–'} |"
              for r in table]
    plot_reliability(args.out / "reliability.png", table, len(held))
    lines += ["", "![answer scores against how often they are right](reliability.png)"]
    (args.out / "fit_scores.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "fit_scores.json").write_text(json.dumps(
        {"score_scale": record, "no_answer_threshold": threshold, "reliability_held_out": table,
         "observation_fields": [f.name for f in fields(Observation)],
         "observations": [[round(o.evidence, 3), int(o.exact), int(o.held_out)] for o in observations]},
        separators=(",", ":")) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if args.write:
        path = update_calibration(args.reader, {"score_scale": record, "no_answer_threshold": threshold})
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
