"""``python -m eval.calibrate``: choose the reader's no-answer threshold on SQuAD dev.

The reader reads every answerable question twice: against its own paragraph (the best span's
score and its F1) and against a paragraph of ANOTHER article of the same half of the file (a
negative: the right output there is "no answer"). ``qa.answers.assemble`` answers iff the best
span scores at least the threshold, so for a threshold t:

* negatives abstain rate = share of negatives whose best span scores below t  (rises with t)
* answerable F1          = mean F1 of the best span on the own paragraph, 0 where it scores below t
                           (falls with t)

Objective: abstain on at least 90% of the negatives (``--min-abstain``) while losing as little
answerable F1 as possible. As F1 only falls when t rises, that is the LOWEST threshold reaching the
abstain rate. With ``--max-f1-loss L`` the threshold is then raised as far as answerable F1 stays
within L points of answering always: the budget of lost F1 is spent on abstaining more, which is
what the hard negatives (the question's own paragraph with the answer's sentence cut: same topic,
same names, no answer) need. It is chosen on the first half of the file's articles and checked on
the second half. Never calibrate on the training file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from eval.command import parse_offline

GRID = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Sample:
    """One question: its best span on its own paragraph, and the best span's score on a negative."""

    pos_score: float
    pos_em: float  # of the best span, in [0, 1]
    pos_f1: float
    neg_score: float
    cut_score: float | None = None  # best span on the own paragraph without the answer's sentence (a hard negative)


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    negatives_abstain_rate: float  # in [0, 1]
    has_ans_f1: float  # 0-100, abstentions count 0
    has_ans_exact_match: float  # 0-100
    answered_rate: float  # share of answerable questions answered, in [0, 1]
    hard_abstain_rate: float | None = None  # on the own paragraphs with the answer's sentence cut, in [0, 1]


def curve_point(samples: Sequence[Sample], threshold: float) -> CurvePoint:
    if not samples:
        raise ValueError("no samples to calibrate on")
    n = len(samples)
    answered = [s for s in samples if s.pos_score >= threshold]
    cut = [s.cut_score for s in samples if s.cut_score is not None]
    return CurvePoint(
        threshold=threshold,
        negatives_abstain_rate=sum(s.neg_score < threshold for s in samples) / n,
        has_ans_f1=100.0 * sum(s.pos_f1 for s in answered) / n,
        has_ans_exact_match=100.0 * sum(s.pos_em for s in answered) / n,
        answered_rate=len(answered) / n,
        hard_abstain_rate=sum(c < threshold for c in cut) / len(cut) if cut else None,
    )


def choose_threshold(samples: Sequence[Sample], min_abstain: float = 0.9, decimals: int = 4,
                     max_f1_loss: float | None = None) -> CurvePoint:
    """The lowest threshold (a multiple of 10**-decimals) at which ``min_abstain`` of the negatives abstain;
    with ``max_f1_loss``, the highest one above it whose answerable F1 is within ``max_f1_loss`` points of
    the F1 with no threshold."""
    lowest = _lowest_threshold(samples, min_abstain, decimals)
    if max_f1_loss is None:
        return lowest
    if max_f1_loss < 0:
        raise ValueError(f"max_f1_loss must be >= 0, got {max_f1_loss}")
    floor = curve_point(samples, 0.0).has_ans_f1 - max_f1_loss
    step = 10.0 ** -decimals
    best = lowest
    # F1 only drops once the threshold passes a positive's score: walk those points upwards
    for score in sorted({s.pos_score for s in samples}):
        above = round(math.floor(score / step) * step + step, decimals)
        while above <= score:  # float rounding at the grid boundary
            above = round(above + step, decimals)
        if above <= best.threshold:
            continue
        point = curve_point(samples, above)
        if point.has_ans_f1 < floor - 1e-9:
            # the highest threshold that still answers this positive: same F1 as ``best``, more abstention
            edge = curve_point(samples, round(above - step, decimals))
            if edge.threshold > best.threshold and edge.has_ans_f1 >= floor - 1e-9:
                best = edge
            break
        best = point
    return best


def _lowest_threshold(samples: Sequence[Sample], min_abstain: float, decimals: int) -> CurvePoint:
    if not 0.0 <= min_abstain <= 1.0:
        raise ValueError(f"min_abstain must be in [0, 1], got {min_abstain}")
    negatives = sorted(s.neg_score for s in samples)
    need = math.ceil(min_abstain * len(negatives) - 1e-9)  # negatives that must score below the threshold
    step = 10.0 ** -decimals
    if need == 0:
        return curve_point(samples, 0.0)
    # just above the need-th lowest negative score, on the grid
    threshold = round(math.floor(negatives[need - 1] / step) * step + step, decimals)
    point = curve_point(samples, threshold)
    while point.negatives_abstain_rate < min_abstain:  # float rounding at the grid boundary
        threshold = round(threshold + step, decimals)
        point = curve_point(samples, threshold)
    return point


def collect(reader, gold, questions, pool, desc: str) -> list[Sample]:
    """Read each question against its own paragraph and against a negative from ``pool``."""
    from tqdm import tqdm

    from eval.goldsets import cut_paragraph, negative_paragraph, paragraph_passage
    from eval.metrics import score_answer
    from qa.answers import assemble

    samples: list[Sample] = []
    for q in tqdm(questions, desc=desc, unit="q", file=sys.stderr, dynamic_ncols=True):
        own = gold.paragraph(q.paragraph)
        other = negative_paragraph(q, own, pool)
        cut = cut_paragraph(q, own)
        paragraphs = [own, other] + ([cut] if cut is not None else [])
        readings = reader.read(q.question, [paragraph_passage(p) for p in paragraphs])
        best, _ = assemble(readings[:1], 0.0, 1, scale=reader.score_scale)
        neg, _ = assemble(readings[1:2], 0.0, 1, scale=reader.score_scale)
        cut_best, _ = assemble(readings[2:], 0.0, 1, scale=reader.score_scale) if cut is not None else (None, None)
        em, f1 = score_answer(best[0].text, q.answers) if best else (0.0, 0.0)
        cut_score = None if cut is None else (cut_best[0].score if cut_best else 0.0)
        samples.append(Sample(best[0].score if best else 0.0, em, f1, neg[0].score if neg else 0.0, cut_score))
    return samples


def split_articles(gold) -> tuple[set[int], set[int]]:
    """(calibration, held-out): the first and the second half of the file's articles."""
    articles = sorted({p.article for p in gold.paragraphs})
    if len(articles) < 4:
        raise ValueError(f"{gold.path} has {len(articles)} articles: calibration needs at least 4 (2 per half)")
    half = len(articles) // 2
    return set(articles[:half]), set(articles[half:])


def curve_table(grid: Sequence[float], cal: Sequence[Sample], held: Sequence[Sample]) -> list[str]:
    lines = ["threshold  negatives abstain (cal / held-out)  answerable F1 (cal / held-out)  answered (cal)"
             "  hard negatives abstain (cal / held-out)",
             "---------  ----------------------------------  ------------------------------  --------------"
             "  ---------------------------------------"]

    def rate(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    for t in grid:
        c, h = curve_point(cal, t), curve_point(held, t)
        lines.append(f"{t:9.4f}  {c.negatives_abstain_rate:16.3f} / {h.negatives_abstain_rate:<15.3f}  "
                     f"{c.has_ans_f1:14.2f} / {h.has_ans_f1:<13.2f}  {c.answered_rate:14.3f}"
                     f"  {rate(c.hard_abstain_rate):>19} / {rate(h.hard_abstain_rate):<17}")
    return lines


def plot_curve(path: Path, cal: Sequence[Sample], held: Sequence[Sample], chosen: float, min_abstain: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ts = [i / 200 for i in range(201)]
    fig, ax = plt.subplots(figsize=(7.5, 4.0), dpi=100)
    for samples, style, name in ((cal, "-", "calibration"), (held, ":", "held-out")):
        points = [curve_point(samples, t) for t in ts]
        ax.plot(ts, [p.negatives_abstain_rate for p in points], style, color="tab:orange",
                label=f"negatives abstain rate ({name})")
        ax.plot(ts, [p.has_ans_f1 / 100 for p in points], style, color="tab:blue", label=f"answerable F1/100 ({name})")
        if points[0].hard_abstain_rate is not None:
            ax.plot(ts, [p.hard_abstain_rate for p in points], style, color="tab:red",
                    label=f"hard negatives abstain rate ({name})")
    ax.axhline(min_abstain, color="gray", linewidth=0.8)
    ax.axvline(chosen, color="black", linestyle="--", label=f"chosen threshold {chosen:.4f}")
    ax.set_xlabel("no-answer threshold")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def dev_input_problem(squad: Path, reader: Path) -> str | None:
    """Why a (SQuAD file, reader folder) pair cannot be calibrated on, or ``None``."""
    if "train" in squad.name.lower():
        return "calibrate on the dev file, never on the training file"
    if not reader.is_dir():
        return f"reader model folder not found: {reader}"
    return None


def write_outputs(out: Path, record: dict, halves: dict[str, list[Sample]], summary: Sequence[str], chosen: float,
                  min_abstain: float) -> None:
    """calibration.md (the table), calibration.png (the curves), calibration.json (the record and raw samples)."""
    out.mkdir(parents=True, exist_ok=True)
    samples = {name: [[None if x is None else round(x, 6) for x in astuple(s)] for s in rows]
               for name, rows in halves.items()}
    data = {**record, "sample_fields": [f.name for f in fields(Sample)], "samples": samples}
    (out / "calibration.json").write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    plot_curve(out / "calibration.png", halves["calibration"], halves["held-out"], chosen, min_abstain)
    (out / "calibration.md").write_text(
        "# No-answer threshold calibration\n\n```\n" + "\n".join(summary) + "\n```\n\n"
        "![negatives abstain rate and answerable F1 against the threshold](calibration.png)\n", encoding="utf-8")
    print(f"written: {out / 'calibration.md'}, calibration.json, calibration.png")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reader", required=True, type=Path, metavar="PATH", help="extractive QA checkpoint folder")
    p.add_argument("--squad", type=Path, metavar="FILE", required=True,
                   help="SQuAD dev JSON, optionally .gz (e.g. /work/shared/data/squad/dev-public-v1.1.json.gz)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="use only N questions of each half, evenly spaced over its articles")
    p.add_argument("--min-abstain", type=float, default=0.9, metavar="R",
                   help="required share of negatives that abstain (default %(default)s)")
    p.add_argument("--max-f1-loss", type=float, metavar="L",
                   help="then raise the threshold while answerable F1 stays within L points of answering always "
                        "(more abstention on hard negatives for at most L F1)")
    p.add_argument("--write", action="store_true", help="write the chosen threshold into PATH/citeqa.json")
    p.add_argument("--out", type=Path, metavar="DIR", help="also write calibration.md, .png and .json here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_offline(build_parser(), argv)
    if isinstance(args, int):
        return args
    from eval.goldsets import GoldFormatError, load_gold, spread
    from core.settings import Settings

    problem = dev_input_problem(args.squad, args.reader)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        gold = load_gold(args.squad)
        if gold.kind != "squad":
            raise GoldFormatError(f"{args.squad} is not a SQuAD JSON file")
        cal_articles, held_articles = split_articles(gold)
    except (GoldFormatError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from qa.service import QAService

    reader = QAService(Settings(reader_model=str(args.reader))).reader  # configured as the product's
    reader.warm_up()
    halves = {}
    for name, articles in (("calibration", cal_articles), ("held-out", held_articles)):
        questions = [q for q in gold.questions if q.answerable and gold.paragraph(q.paragraph).article in articles]
        pool = [p for p in gold.paragraphs if p.article in articles]
        halves[name] = collect(reader, gold, spread(questions, args.limit), pool, name)
    cal, held = halves["calibration"], halves["held-out"]
    chosen = choose_threshold(cal, args.min_abstain, max_f1_loss=args.max_f1_loss)
    check = curve_point(held, chosen.threshold)
    current = curve_point(cal, reader.no_answer_threshold)

    objective = (f"lowest threshold with >= {args.min_abstain:.0%} of negatives abstaining (= the most answerable "
                 "F1 under that constraint)")
    if args.max_f1_loss is not None:
        objective += f", then raised while answerable F1 stays within {args.max_f1_loss:g} points of no threshold"
    summary = [
        f"reader {args.reader}; {args.squad.name}: calibration = articles 1-{len(cal_articles)} "
        f"({len(cal)} questions + {len(cal)} negatives), held-out = articles {len(cal_articles) + 1}-"
        f"{len(cal_articles) + len(held_articles)} ({len(held)} + {len(held)})",
        f"objective: {objective}", "",
        *curve_table(sorted(set(GRID) | {chosen.threshold, reader.no_answer_threshold}), cal, held), "",
        f"no threshold:    answerable F1 {curve_point(cal, 0.0).has_ans_f1:.2f} (cal), "
        f"{curve_point(held, 0.0).has_ans_f1:.2f} (held-out)",
        f"current {current.threshold:.4f}: negatives abstain {current.negatives_abstain_rate:.3f}, "
        f"answerable F1 {current.has_ans_f1:.2f} (cal)",
        f"chosen  {chosen.threshold:.4f}: negatives abstain {chosen.negatives_abstain_rate:.3f}, "
        f"answerable F1 {chosen.has_ans_f1:.2f} (cal) | held-out: negatives abstain "
        f"{check.negatives_abstain_rate:.3f}, answerable F1 {check.has_ans_f1:.2f}",
        f"hard negatives (own paragraph, answer sentence cut) abstain at the chosen threshold: "
        f"{chosen.hard_abstain_rate if chosen.hard_abstain_rate is not None else float('nan'):.3f} (cal), "
        f"{check.hard_abstain_rate if check.hard_abstain_rate is not None else float('nan'):.3f} (held-out)",
    ]
    print("\n".join(summary))

    record = {
        "no_answer_threshold": chosen.threshold,
        "calibrated_on": f"{args.squad.name} articles 1-{len(cal_articles)} (first half): {len(cal)} answerable "
                         f"questions, {len(cal)} negatives from other articles and the hard negatives "
                         f"(own paragraph, answer sentence cut); objective: {objective}",
        "negatives_abstain_rate": round(chosen.negatives_abstain_rate, 4),
        "has_ans_f1": round(chosen.has_ans_f1, 2),
        "hard_negatives_abstain_rate": None if chosen.hard_abstain_rate is None else round(chosen.hard_abstain_rate, 4),
        "held_out": {"negatives_abstain_rate": round(check.negatives_abstain_rate, 4),
                     "hard_negatives_abstain_rate": None if check.hard_abstain_rate is None
                     else round(check.hard_abstain_rate, 4),
                     "has_ans_f1": round(check.has_ans_f1, 2), "questions": len(held)},
    }
    if args.out:
        write_outputs(args.out, record, halves, summary, chosen.threshold, args.min_abstain)
    if args.write:
        from qa.calibration import update_calibration

        print(f"wrote {update_calibration(args.reader, record)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
