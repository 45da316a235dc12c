"""``python -m eval.open_negatives``: abstention in open mode, where the truthful answer is "not here".

Each sampled SQuAD dev question is asked twice over the whole paragraph corpus, the product's way
(retrieve ``--top-k``, read in order of promise, assemble): once as it is (an answerable question),
and once with every paragraph of its own article left out of the search (a negative: the articles
that remain do not say) -- or, with ``--remove paragraph``, only its own paragraph and the paragraphs
of its article that contain a reference answer (a harder negative, like a news question the article
is about but does not answer: the rest of the article is still there). For a threshold t, a negative
abstains when its top answer scores below t,
and an answerable question scores the F1 of its top answer, 0 when it scores below t. The curve
(abstain rate on negatives against answerable F1) is printed and plotted for both halves of the
file's articles, with the shipped threshold and the lowest threshold that reaches ``--min-abstain``
on the first half marked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path


GRID = (0.0, 0.1, 0.1459, 0.16, 0.17, 0.18, 0.19, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.open_negatives", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, default=Path("../shared/data/squad/dev-public-v1.1.json.gz"))
    p.add_argument("--sample", type=int, default=300, help="questions per half")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--min-abstain", type=float, default=0.85)
    p.add_argument("--out", type=Path, default=Path("eval/reports/open-negatives"))
    p.add_argument("--cache-dir", type=Path, default=Path(".citeqa/eval-cache"))
    p.add_argument("--remove", choices=("article", "paragraph"), default="article",
                   help="what a negative leaves out: the question's whole article, or only the paragraphs of it "
                        "that hold a reference answer (default: article)")
    return p


def removed_for(study, question, docs_of: dict[int, set[str]], remove: str) -> set[str]:
    """The documents a negative of ``question`` leaves out of the search (see ``--remove``)."""
    own = docs_of[study.article_of[question.sources[0]]]
    if remove == "article":
        return own
    answers = [a.casefold() for a in question.answers if a.strip()]
    return {d for d in own if d in question.sources or any(a in study.gold.paragraph(d).text.casefold()
                                                           for a in answers)}


def top_answer(service, question: str, top_k: int, allowed: frozenset[str] | None) -> tuple[str | None, float]:
    """(text, score) of the product's best answer, never abstaining (threshold 0), searching only
    ``allowed`` documents when given."""
    result = service._answer(service._retriever, question, top_k, 1, 0.0, None, date(2026, 12, 1), allowed=allowed)
    return (result.answers[0].text, result.answers[0].score) if result.answers else (None, result.no_answer.score)


def curve(samples: Sequence[dict], grid: Sequence[float]) -> list[dict]:
    rows = []
    for t in grid:
        abstain = sum(s["neg_score"] < t for s in samples) / len(samples)
        f1 = sum(s["f1"] if s["pos_score"] >= t else 0.0 for s in samples) / len(samples)
        rows.append({"threshold": t, "negatives_abstained": round(abstain, 3), "answerable_f1": round(100 * f1, 2)})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    from core.text import f1_score, metric_max_over_ground_truths
    from eval.run import open_study_command

    opened = open_study_command(build_parser(), argv)
    if isinstance(opened, int):
        return opened
    args, study = opened
    docs_of: dict[int, set[str]] = {}
    for doc, article in study.article_of.items():
        docs_of.setdefault(article, set()).add(doc)
    everything = frozenset(study.article_of)
    service = study.service()
    halves: dict[str, list[dict]] = {}
    for name, questions in study.halves.items():
        samples = []
        for i, q in enumerate(questions):
            text, pos = top_answer(service, q.question, args.top_k, None)
            f1 = metric_max_over_ground_truths(f1_score, text, q.answers) if text else 0.0
            left = everything - removed_for(study, q, docs_of, args.remove)
            _, neg = top_answer(service, q.question, args.top_k, left)
            samples.append({"id": q.id, "pos_score": round(pos, 5), "f1": f1, "neg_score": round(neg, 5)})
            if (i + 1) % 100 == 0:
                print(f"  {name}: {i + 1}/{len(questions)}", file=sys.stderr)
        halves[name] = samples
    shipped = service.threshold
    grid = sorted(set(GRID) | {round(shipped, 4)})
    tables = {name: curve(s, grid) for name, s in halves.items()}
    reaching = [r for r in tables["calibration"] if r["negatives_abstained"] >= args.min_abstain]
    lowest = reaching[0]["threshold"] if reaching else None
    args.out.mkdir(parents=True, exist_ok=True)
    left_out = "own article removed" if args.remove == "article" else "answer paragraphs removed, article kept"
    record = {"squad": args.squad.name, "top_k": args.top_k, "sample_per_half": args.sample, "negatives": left_out,
              "shipped_threshold": shipped, "lowest_threshold_reaching_min_abstain": lowest,
              "min_abstain": args.min_abstain, "curves": tables}
    (args.out / "open_negatives.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / "samples.json").write_text(json.dumps(halves) + "\n")
    lines = [f"# Open-mode abstention ({args.squad.name}, top_k {args.top_k}, negatives: {left_out})", "",
             f"{args.sample} answerable questions per half. Shipped threshold {shipped:.4f}; lowest threshold with "
             f">= {100 * args.min_abstain:g}% of calibration-half negatives abstained: {lowest}.", ""]
    for name, rows in tables.items():
        lines += [f"## {name}", "", "| threshold | negatives abstained | answerable F1 |", "|---|---|---|"]
        for r in rows:
            mark = " (shipped)" if abs(r["threshold"] - shipped) < 1e-4 else (" (lowest reaching target)"
                                                                             if r["threshold"] == lowest else "")
            lines.append(f"| {r['threshold']}{mark} | {r['negatives_abstained']} | {r['answerable_f1']} |")
        lines.append("")
    (args.out / "report.md").write_text("\n".join(lines))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4.2))
        for name, rows in tables.items():
            ax.plot([r["negatives_abstained"] for r in rows], [r["answerable_f1"] for r in rows], marker="o", label=name)
        for name, rows in tables.items():
            for r in rows:
                if abs(r["threshold"] - shipped) < 1e-4:
                    ax.annotate(f"shipped {shipped:.3f}", (r["negatives_abstained"], r["answerable_f1"]), fontsize=7)
        ax.axvline(args.min_abstain, linestyle="--", linewidth=0.8)
        ax.set_xlabel(f"open-mode negatives abstained ({left_out})")
        ax.set_ylabel("answerable F1 after the threshold")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.out / "curve.png", dpi=120)
    except ImportError:
        pass
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
