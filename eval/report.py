"""report.md: the headline table against the targets, what went wrong, and a score figure.

The figure (``scores.png``, matplotlib's Agg backend) shows the score of each question's best
candidate answer, split by whether that candidate was right, with the no-answer threshold as a
vertical line: everything left of the line is withheld.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from eval.metrics import CORRECT, CORRECT_ABSTENTION, FALSE_ABSTENTION, FALSE_ANSWER, OUTCOMES, RETRIEVAL_MISS, \
    WRONG_SPAN, QuestionResult
from eval.question_types import type_table

FIGURE = "scores.png"
WORST = 15


@dataclass(frozen=True)
class RunInfo:
    """How the run was made (printed at the top of the report)."""

    gold: str
    gold_kind: str  # "jsonl" | "squad"
    mode: str  # "open" | "reader"
    reader: str
    threshold: float
    threshold_source: str
    top_k: int | None
    n_gold: int  # questions in the gold file
    subset: str | None  # how the questions were picked when not all were asked
    corpus: str | None = None
    index: str | None = None  # open mode: None = a temporary folder, removed after the run
    n_documents: int | None = None
    negatives: bool = False
    seconds: float = 0.0
    threads: int = 0  # threads per model
    runtime: str = ""  # what ran the models: "onnx fp32", "torch bf16", ...


@dataclass(frozen=True)
class Target:
    key: str
    op: Literal[">=", "=="]
    value: float
    note: str = ""

    def check(self, metrics: dict[str, Any]) -> bool | None:
        got = metrics.get(self.key)
        if got is None:
            return None
        return got >= self.value if self.op == ">=" else got == self.value


def targets_for(gold_kind: str, mode: str, top_k: int | None) -> list[Target]:
    """The project's targets for this kind of run (citations must always be exact)."""
    citations = Target("citations_valid", "==", 1.0, "invariant")
    balanced = Target("unbalanced_spans", "==", 0, "invariant")
    if gold_kind == "jsonl":
        return [Target("exact_match", ">=", 75), Target("f1", ">=", 85), Target("no_ans_accuracy", ">=", 0.8),
                citations, balanced]
    if mode == "reader":
        return [Target("exact_match", ">=", 70), Target("f1", ">=", 80), citations, balanced]
    note = "" if top_k == 5 else f"defined for top_k=5 (this run: {top_k})"
    return [Target("f1", ">=", 65, note), citations, balanced]


_ROWS = (  # key, label
    ("exact_match", "Exact match (0-100)"),
    ("f1", "F1 (0-100)"),
    ("has_ans_exact_match", "Answerable: exact match"),
    ("has_ans_f1", "Answerable: F1"),
    ("has_ans_f1_no_threshold", "Answerable: F1 with no threshold"),
    ("no_ans_accuracy", "Unanswerable: abstained (fraction)"),
    ("negatives_abstain_rate", "Negative paragraphs: abstained (fraction)"),
    ("hard_negatives_abstain_rate", "Hard negatives (own paragraph, answer sentence cut): abstained (fraction)"),
    ("mined_negatives_abstain_rate",
     "Mined negatives (own article's BM25-closest paragraph without the answer): abstained (fraction)"),
    ("recall_at_k", "Recall@k (gold source retrieved)"),
    ("mrr", "MRR of the first gold source"),
    ("citations_valid", "Citations exact (fraction)"),
    ("unbalanced_spans", "Answers with an unbalanced bracket or quote"),
)


_PERCENT_KEYS = {"exact_match", "f1", "has_ans_exact_match", "has_ans_f1", "has_ans_f1_no_threshold"}


def _fmt(value: Any, key: str = "") -> str:
    """EM/F1 (0-100) with 2 decimals, fractions with 4, counts as they are."""
    if value is None:
        return "n/a"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key:
        return f"{value:.2f}" if key in _PERCENT_KEYS else f"{value:.4f}"
    return str(value)


def _cell(text: Any, width: int = 70) -> str:
    s = " ".join(str(text).split()).replace("|", "\\|")
    return s if len(s) <= width else s[:width - 1] + "…"


def headline(metrics: dict[str, Any], targets: Sequence[Target], results: Sequence[QuestionResult] = ()) -> list[str]:
    by_key = {t.key: t for t in targets}
    citations = [c for r in results for a in r.answers for c in a.citations]
    lines = ["| metric | value | target | status |", "|---|---:|---|---|"]
    for key, label in _ROWS:
        if key not in metrics:
            continue
        target = by_key.get(key)
        goal = status = ""
        if target is not None:
            goal = f"{target.op} {target.value:g}" + (f" ({target.note})" if target.note else "")
            ok = target.check(metrics)
            status = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        value = _fmt(metrics[key], key)
        if key == "citations_valid":
            value += f" ({sum(c.valid for c in citations)}/{len(citations)})"
        lines.append(f"| {label} | {value} | {goal} | {status} |")
    lat = metrics["latency_ms"]
    p50, p95 = ("n/a" if v is None else f"{v:.0f}" for v in (lat["p50"], lat["p95"]))
    lines.append(f"| Latency p50 / p95 (ms per question) | {p50} / {p95} | | |")
    lines.append(f"| Questions (answerable / unanswerable) | {metrics['n']} ({metrics['n_answerable']} / "
                 f"{metrics['n_unanswerable']}) | | |")
    return lines


def explain(r: QuestionResult) -> str:
    """What went wrong with one question, in a few words."""
    if r.outcome == RETRIEVAL_MISS:
        got = ", ".join(dict.fromkeys(r.retrieved)) or "nothing"
        return f"no gold source in the top {len(r.retrieved)} (retrieved: {got})"
    if r.outcome == FALSE_ABSTENTION:
        hint = f"; best candidate was {r.best_span!r}" if r.best_span is not None else ""
        return f"abstained: best score {r.top_score:.4f} < threshold {r.threshold:.4f}{hint}"
    if r.outcome == FALSE_ANSWER:
        return f"answered an unanswerable question (score {r.top_score:.4f} >= threshold {r.threshold:.4f})"
    if r.outcome == WRONG_SPAN:
        cited = sorted({c.file for a in r.answers[:1] for c in a.citations})
        elsewhere = [f for f in cited if f not in r.gold_sources]
        where = f", read from {', '.join(elsewhere)} (not a gold source)" if r.retrieved and elsewhere else ""
        return f"wrong span (F1 {r.f1:.2f}){where}"
    return r.outcome


def worst(results: Sequence[QuestionResult], n: int = WORST) -> list[QuestionResult]:
    """Failures, lowest F1 first; among equals the most confident first."""
    failed = [r for r in results if r.outcome not in (CORRECT, CORRECT_ABSTENTION)]
    return sorted(failed, key=lambda r: (r.f1, -r.top_score, r.id))[:n]


def plot_scores(path: Path, results: Sequence[QuestionResult], threshold: float) -> Path:
    """Histogram of best-candidate scores: right vs wrong candidates, unanswerable questions, negatives."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    groups: dict[str, list[float]] = {"best candidate right (EM = 1)": [], "best candidate wrong": [],
                                      "abstained, candidate unknown": [], "unanswerable questions": [],
                                      "negative paragraphs": [], "hard negatives": [],
                                      "mined negatives": []}
    for r in results:
        if not r.answerable:
            groups["unanswerable questions"].append(r.top_score)
        elif r.best_span_em is None:
            groups["abstained, candidate unknown"].append(r.top_score)
        else:
            groups["best candidate right (EM = 1)" if r.best_span_em == 1.0 else "best candidate wrong"].append(
                r.top_score)
        if r.negative is not None:
            groups["negative paragraphs"].append(r.negative.top_score)
        if r.hard_negative is not None:
            groups["hard negatives"].append(r.hard_negative.top_score)
        if r.mined_negative is not None:
            groups["mined negatives"].append(r.mined_negative.top_score)
    colors = ["tab:green", "tab:red", "tab:gray", "tab:purple", "tab:orange", "tab:brown", "tab:olive"]
    bins = np.linspace(0.0, 1.0, 51)
    fig, ax = plt.subplots(figsize=(7.5, 4.0), dpi=100)
    for (label, scores), color in zip(groups.items(), colors):
        if scores:
            ax.hist(scores, bins=bins, histtype="step", linewidth=1.8, color=color, label=f"{label} ({len(scores)})")
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1.2, label=f"threshold {threshold:.3f}")
    ax.set_xlabel("score of the best candidate answer (higher = more confident)")
    ax.set_ylabel("questions")
    ax.set_xlim(0, 1)
    ax.set_title("Best-candidate scores; answers left of the threshold are withheld")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def render(metrics: dict[str, Any], results: Sequence[QuestionResult], info: RunInfo, figure: str) -> str:
    targets = targets_for(info.gold_kind, info.mode, info.top_k)
    subset = metrics["n"] < info.n_gold
    lines = [f"# citeqa evaluation: {Path(info.gold).name} ({info.mode} mode)", ""]
    lines += [f"- gold: `{info.gold}` ({info.gold_kind}), {metrics['n']} of {info.n_gold} questions"
              + (f", {info.subset}" if subset and info.subset else ""),
              f"- reader: `{info.reader}`, no-answer threshold {info.threshold:.4f} ({info.threshold_source})"]
    if info.mode == "open":
        index = f"`{info.index}`" if info.index else "a temporary folder"
        lines.append(f"- corpus: `{info.corpus}` ({info.n_documents} documents), index {index}, "
                     f"top_k {info.top_k}")
    else:
        lines.append("- each question read against its own paragraph" +
                     (" and against a paragraph of another article and its own paragraph with the answer's sentence cut "
                      "(negatives)" if info.negatives else ""))
    lines += [f"- latency: wall clock per question, models run by {info.runtime or 'torch'} with {info.threads} "
              f"thread(s) on {os.cpu_count()} CPU cores",
              f"- git commit `{metrics['git_commit']}`, {info.seconds:.0f} s", ""]
    lines += ["## Headline", ""] + headline(metrics, targets, results) + [""]
    if subset:
        lines += ["Targets are defined on the full gold set: on a subset the status is indicative.", ""]
    lines += ["EM/F1 follow the official SQuAD v1.1 script; an unanswerable question counts as right only "
              "if the system abstains, an abstention on an answerable question counts as 0.", ""]
    counts = Counter(r.outcome for r in results)
    lines += ["## Outcomes", "", "| outcome | questions |", "|---|---:|"]
    lines += [f"| {o} | {counts[o]} |" for o in OUTCOMES if counts[o]] + [""]
    types = type_table(results)
    if types:
        lines += ["## By question type", "", "Answerable questions, typed by their question word "
                  "(`eval.question_types`).", ""] + types + [""]
    lines += ["## Score distribution", "", f"![best-candidate scores and the threshold]({figure})", ""]
    bad = worst(results)
    lines += [f"## Worst questions ({len(bad)} shown)", ""]
    if bad:
        lines += ["| id | question | gold | prediction | score | gold rank | what went wrong |",
                  "|---|---|---|---|---:|---:|---|"]
        for r in bad:
            gold = r.gold_answers[0] if r.gold_answers else "(no answer)"
            pred = "(abstained)" if r.prediction is None else r.prediction
            rank = "n/a" if not r.retrieved else (r.gold_rank if r.gold_rank is not None else "—")
            lines.append(f"| {_cell(r.id, 40)} | {_cell(r.question)} | {_cell(gold, 40)} | {_cell(pred, 40)} | "
                         f"{r.top_score:.3f} | {rank} | {_cell(explain(r), 90)} |")
    else:
        lines.append("None: every question was answered correctly.")
    return "\n".join(lines) + "\n"


def write_report(out: Path, metrics: dict[str, Any], results: Sequence[QuestionResult], info: RunInfo) -> Path:
    figure = plot_scores(out / FIGURE, results, info.threshold)
    report = out / "report.md"
    report.write_text(render(metrics, results, info, figure.name), encoding="utf-8")
    return report
