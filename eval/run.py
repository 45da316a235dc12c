"""``python -m eval.run`` (also ``citeqa eval``): score citeqa against a gold set.

Writes ``metrics.json``, ``predictions.jsonl``, ``report.md`` and ``scores.png`` into ``--out``.
See ``python -m eval.run --help`` for the modes and options.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.command import parse_offline

if TYPE_CHECKING:
    from eval.goldsets import GoldQuestion, GoldSet
    from eval.metrics import QuestionResult, ReturnedAnswer
    from eval.report import RunInfo
    from core.settings import Settings
    from core.types import Answer

DESCRIPTION = """\
Score citeqa against a gold question set and write metrics.json, predictions.jsonl,
report.md and scores.png into --out.

Gold formats (detected from the file):
  *.jsonl       our gold set: {"id", "question", "answers": [..], "sources": [file names]};
                "answers": [] marks an unanswerable question (right output: no answer)
  *.json[.gz]   SQuAD 1.1: every paragraph is one document, named <title>-<NNN>.txt

Modes:
  open    (default) the whole product: retrieve top-k passages from an index, read, cite.
          JSONL: over --corpus (default seeds/), indexed into --index (default: a temporary
          folder, or CITEQA_INDEX_DIR when set). SQuAD: over all paragraphs of the file,
          written and indexed once under --cache-dir and reused by later runs.
  reader  SQuAD only: the reader alone on each question's own paragraph (no retrieval).
          --negatives also reads each question against a paragraph of another article,
          against its own paragraph with the answer's sentence cut (a hard negative) and
          against its article's paragraph BM25 ranks highest among those without the answer
          (a mined negative).
"""

EPILOG = """\
examples:
  python -m eval.run --gold eval/gold/dev.jsonl --out eval/reports/dev
  python -m eval.run --gold /work/shared/data/squad/dev-public-v1.1.json.gz --out /tmp/sq --sample 200
  python -m eval.run --gold /work/shared/data/squad/dev-public-v1.1.json.gz --out /tmp/sqr \\
      --mode reader --negatives --reader runs/reader/snapshots/step-000500

Other settings (threshold, chunking, reader window...) come from CITEQA_* environment variables.
Exit status: 0 when the run completed (whatever the scores), 2 on bad input.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citeqa eval", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", required=True, type=Path, metavar="FILE",
                   help="gold questions: our JSONL or a SQuAD 1.1 JSON (optionally .gz)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the outputs (created)")
    p.add_argument("--mode", choices=("open", "reader"), default="open",
                   help="open: full pipeline over a corpus (default); reader: SQuAD paragraphs only")
    p.add_argument("--corpus", type=Path, metavar="DIR",
                   help="JSONL open mode: folder of *.txt articles [env CITEQA_CORPUS_DIR, default seeds/]")
    p.add_argument("--index", type=Path, metavar="DIR",
                   help="open mode: index folder, built or brought up to date first "
                        "[env CITEQA_INDEX_DIR; default a temporary folder (JSONL) or the cache (SQuAD)]")
    p.add_argument("--top-k", type=int, metavar="K",
                   help="open mode: passages retrieved and read [env CITEQA_TOP_K, default 8]")
    subset = p.add_mutually_exclusive_group()
    subset.add_argument("--limit", type=int, metavar="N", help="score only the first N questions of the file")
    subset.add_argument("--sample", type=int, metavar="N",
                        help="score N questions evenly spaced over the file (a representative subset)")
    p.add_argument("--reader", metavar="PATH",
                   help="extractive QA checkpoint folder [env CITEQA_READER_MODEL, default models/reader]")
    p.add_argument("--threshold", type=float, metavar="T",
                   help="no-answer threshold in [0, 1] [env CITEQA_NO_ANSWER_THRESHOLD; default the reader's "
                        "calibrated value from citeqa.json]")
    p.add_argument("--negatives", action="store_true",
                   help="reader mode: also pair each question with a paragraph of another article, with its "
                        "own paragraph minus the answer's sentence and with its article's BM25-closest paragraph "
                        "without the answer; report negatives_abstain_rate, hard_negatives_abstain_rate, "
                        "mined_negatives_abstain_rate and has_ans_f1_no_threshold")
    p.add_argument("--cache-dir", type=Path, default=Path(".citeqa/eval-cache"), metavar="DIR",
                   help="SQuAD open mode: where paragraph corpora and their indexes are kept (default %(default)s)")
    return p


class UsageError(Exception):
    """A bad combination of options (exit status 2)."""


def git_commit() -> str | None:
    from core.settings import REPO_ROOT

    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _progress(items: Sequence[Any], desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, dynamic_ncols=True)


def _check_citations(answers: Sequence[Answer], original: Callable[[str], str | None]) -> list[ReturnedAnswer]:
    """The returned answers, each citation checked against the original file: ``text[start:end] == answer``."""
    from eval.metrics import CitationCheck, ReturnedAnswer

    returned: list[ReturnedAnswer] = []
    for a in answers:
        checks = []
        for c in a.citations:
            text = original(c.file)
            checks.append(CitationCheck(c.file, c.start, c.end,
                                        text is not None and text[c.start:c.end] == a.text and c.text == a.text))
        returned.append(ReturnedAnswer(a.text, round(a.score, 6), checks))
    return returned


class CorpusTexts:
    """The texts citations index into, read again from the corpus folder's original files (cached): a
    ``.txt`` file's decoded bytes; for a web page, feed or export, what its format's extractor makes of
    the file (``<file>#<id>`` for one article of a feed), so a citation is checked against the source,
    not against the index's stored copy."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, str | None] = {}

    def __call__(self, name: str) -> str | None:
        from core.errors import InvalidDocument

        if name not in self._cache:
            file = name.split("#", 1)[0]
            try:
                data = (self.folder / file).read_bytes()
                if file.endswith(".txt"):
                    self._cache[name] = data.decode("utf-8")
                else:
                    self._cache.update(self._extracted(file, data))
            except (OSError, UnicodeDecodeError, InvalidDocument):
                pass
            self._cache.setdefault(name, None)
        return self._cache[name]

    @staticmethod
    def _extracted(file: str, data: bytes) -> dict[str, str]:
        from index.formats import format_for

        kind = format_for(file, data)
        return {a.name: a.text for a in kind.extract(file, data)} if kind is not None else {}


# ------------------------------------------------------------------------------------ open mode
def _squad_cache(gold: GoldSet, settings: Settings, cache_dir: Path) -> Path:
    """The cache folder for this gold file and the settings that shape its index."""
    from index.embedding import fingerprint_model_dir
    from index.chunking import CLEANING_VERSION

    key = "|".join([gold.sha256, fingerprint_model_dir(settings.embedding_model_path()), str(settings.chunk_tokens),
                    str(settings.chunk_overlap_tokens), str(CLEANING_VERSION)])
    stem = gold.path.name.removesuffix(".gz").removesuffix(".json")
    return cache_dir / f"{stem}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


@dataclass
class OpenStudy:
    """A SQuAD open-mode study over the corpus and index ``python -m eval.run`` built: the answerable
    questions of each half of the file's articles (``calibration``, ``held_out``), sampled evenly."""

    gold: Any
    cache: Path
    article_of: dict[str, int]  # document -> its article
    halves: dict[str, list[GoldQuestion]]

    def service(self, **settings: Any):
        """A warm ``QAService`` over the study's corpus and index (answer cache off)."""
        from core.settings import Settings
        from qa.service import QAService

        service = QAService(Settings(corpus_dir=self.cache / "corpus", index_dir=self.cache / "index",
                                     answer_cache_size=0, **settings))
        service.warm_up()
        return service


def squad_open_study(squad: Path, cache_dir: Path, sample: int) -> OpenStudy | None:
    """The study for ``squad``; ``None`` (with the reason printed) when its index is not built yet."""
    from core.settings import Settings
    from eval.calibrate import split_articles
    from eval.goldsets import load_gold, spread

    gold = load_gold(squad)
    cache = _squad_cache(gold, Settings(), cache_dir)
    if not (cache / "index").is_dir():
        print(f"error: build the SQuAD open-mode index first (python -m eval.run --gold {squad} --out DIR)",
              file=sys.stderr)
        return None
    article_of = {p.doc: p.article for p in gold.paragraphs}
    answerable = [q for q in gold.questions if q.answerable]
    halves = {name: spread([q for q in answerable if article_of[q.sources[0]] in articles], sample)
              for name, articles in zip(("calibration", "held_out"), split_articles(gold))}
    return OpenStudy(gold, cache, article_of, halves)


def open_study_command(parser: argparse.ArgumentParser,
                       argv: Sequence[str] | None) -> tuple[argparse.Namespace, OpenStudy] | int:
    """What ``eval.early_stop`` and ``eval.open_negatives`` do first: parse (offline), then open the
    study of ``--squad`` (``--cache-dir``, ``--sample``); an exit status instead when either fails."""
    args = parse_offline(parser, argv)
    if isinstance(args, int):
        return args
    study = squad_open_study(args.squad, args.cache_dir, args.sample)
    return 2 if study is None else (args, study)


def run_open(questions: Sequence[GoldQuestion], settings: Settings,
             top_k: int) -> tuple[list[QuestionResult], dict[str, Any]]:
    """The whole product on every question; the index is built (or updated) once, then reused."""
    from eval.metrics import QuestionResult, classify, first_gold_rank, score_answer
    from qa.service import QAService

    service = QAService(settings)
    service.warm_up(load_index=False)
    print(f"indexing {settings.corpus_dir} into {settings.index_dir} ...", file=sys.stderr)
    report = service.build_index(show_progress=True)
    service.reload()
    documents = set(service.snapshot.documents)
    missing = sorted({s for q in questions for s in q.sources} - documents)
    if missing:
        print(f"warning: {len(missing)} gold source(s) are not in the index: {', '.join(missing[:5])}",
              file=sys.stderr)
    original = CorpusTexts(Path(settings.corpus_dir))
    results: list[QuestionResult] = []
    for q in _progress(questions, "open eval"):
        started = time.perf_counter()
        res = service.ask(q.question, top_k=top_k)
        latency = (time.perf_counter() - started) * 1000
        retrieved = [p.file for p in res.passages]
        prediction = res.answers[0].text if res.answers else None
        top_score = res.answers[0].score if res.answers else res.no_answer.score
        threshold = res.no_answer.threshold if res.no_answer else service.threshold
        em, f1 = score_answer(prediction, q.answers)
        rank = first_gold_rank(retrieved, q.sources)
        results.append(QuestionResult(
            id=q.id, question=q.question, gold_answers=list(q.answers), gold_sources=list(q.sources),
            prediction=prediction, answers=_check_citations(res.answers, original), exact_match=em, f1=f1,
            gold_rank=rank, retrieved=retrieved, latency_ms=round(latency, 1), top_score=round(top_score, 6),
            threshold=threshold, outcome=classify(q.answerable, prediction is None, em, rank, bool(q.sources)),
            best_span=prediction, best_span_em=em if prediction is not None and q.answerable else None,
            best_span_f1=f1 if prediction is not None and q.answerable else None))
    context = {"threshold": service.threshold, "n_documents": report.files}
    return results, context


# ---------------------------------------------------------------------------------- reader mode
def _read_negative(reader, question: str, paragraph, threshold: float):
    """The reader on a paragraph that does not answer ``question``: its best score, and whether it abstained."""
    from eval.goldsets import paragraph_passage
    from eval.metrics import NegativeResult
    from qa.answers import assemble

    best, _ = assemble(reader.read(question, [paragraph_passage(paragraph)]), 0.0, 1, scale=reader.score_scale)
    score = best[0].score if best else 0.0
    # assemble answers iff the best candidate reaches the threshold (what calibration relies on)
    return NegativeResult(paragraph.doc, round(score, 6), abstained=not best or score < threshold)


def run_reader(gold: GoldSet, questions: Sequence[GoldQuestion], settings: Settings,
               negatives: bool) -> tuple[list[QuestionResult], dict[str, Any]]:
    """The reader alone on each question's own paragraph, then ``assemble(..., max_answers=1)``."""
    from eval.goldsets import MinedNegatives, cut_paragraph, negative_paragraph, paragraph_passage
    from eval.metrics import QuestionResult, classify, score_answer
    from qa.answers import assemble
    from qa.service import QAService

    service = QAService(settings)  # only its reader and threshold are used: configured as the product
    reader, threshold = service.reader, service.threshold
    reader.warm_up()
    texts = {p.doc: p.text for p in gold.paragraphs}
    mined_negatives = MinedNegatives(gold.paragraphs)
    results: list[QuestionResult] = []
    for q in _progress(questions, "reader eval"):
        if q.paragraph is None:
            raise UsageError(f"question {q.id} has no paragraph: reader mode needs SQuAD questions")
        own = gold.paragraph(q.paragraph)
        started = time.perf_counter()
        readings = reader.read(q.question, [paragraph_passage(own)])
        answers, no_answer = assemble(readings, threshold, 1, scale=reader.score_scale)
        latency = (time.perf_counter() - started) * 1000
        best, _ = assemble(readings, 0.0, 1, scale=reader.score_scale)
        prediction = answers[0].text if answers else None
        top_score = best[0].score if best else 0.0
        em, f1 = score_answer(prediction, q.answers)
        best_span = best[0].text if best else None
        best_em, best_f1 = score_answer(best_span, q.answers) if best_span is not None else (0.0, 0.0)
        negative = hard_negative = mined_negative = None
        if negatives:
            negative = _read_negative(reader, q.question, negative_paragraph(q, own, gold.paragraphs), threshold)
            cut = cut_paragraph(q, own) if q.answerable else None
            hard_negative = _read_negative(reader, q.question, cut, threshold) if cut is not None else None
            mined = mined_negatives.for_question(q, own) if q.answerable else None
            mined_negative = _read_negative(reader, q.question, mined, threshold) if mined is not None else None
        results.append(QuestionResult(
            id=q.id, question=q.question, gold_answers=list(q.answers), gold_sources=list(q.sources),
            prediction=prediction, answers=_check_citations(answers, texts.get), exact_match=em, f1=f1,
            gold_rank=None, retrieved=[], latency_ms=round(latency, 1), top_score=round(top_score, 6),
            threshold=no_answer.threshold if no_answer else threshold,
            outcome=classify(q.answerable, prediction is None, em, None, False),
            best_span=best_span, best_span_em=best_em if q.answerable else None,
            best_span_f1=best_f1 if q.answerable else None, negative=negative,
            hard_negative=hard_negative, mined_negative=mined_negative))
    return results, {"threshold": threshold, "n_documents": None}


# ------------------------------------------------------------------------------------------ main
def write_outputs(out: Path, metrics: dict[str, Any], results: Sequence[QuestionResult], info: RunInfo) -> Path:
    from eval.report import write_report

    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with open(out / "predictions.jsonl", "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    return write_report(out, metrics, results, info)


def _settings(args: argparse.Namespace, corpus: Path | None, index: Path | None) -> Settings:
    from core.settings import Settings

    overrides = {"reader_model": args.reader, "top_k": args.top_k, "no_answer_threshold": args.threshold,
                 "corpus_dir": corpus, "index_dir": index}
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _check_args(args: argparse.Namespace, gold: GoldSet) -> None:
    """Refuse option combinations that make no sense, before any model is loaded."""
    if (args.limit is not None and args.limit < 1) or (args.sample is not None and args.sample < 1):
        raise UsageError("--limit and --sample must be positive")
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise UsageError("--threshold must be in [0, 1]")
    if args.mode == "reader":
        if gold.kind != "squad":
            raise UsageError("--mode reader needs a SQuAD file: it reads each question's own paragraph")
        if args.corpus or args.index or args.top_k:
            raise UsageError("--corpus, --index and --top-k apply to open mode only")
    elif args.negatives:
        raise UsageError("--negatives applies to --mode reader only")
    if gold.kind == "squad" and args.corpus:
        raise UsageError("with a SQuAD file the corpus is the file's paragraphs: leave out --corpus")
    if not gold.questions:
        raise UsageError(f"{args.gold} has no questions")
    reader = _settings(args, None, None).reader_model
    if not Path(reader).is_dir() and (Path(reader).is_absolute() or reader.startswith(".")):
        raise UsageError(f"reader model folder not found: {reader} (train one, or pass --reader PATH)")


def _threshold_source(settings: Settings) -> str:
    from qa.calibration import CALIBRATION_FILE, has_calibration

    if settings.no_answer_threshold is not None:
        return "set by --threshold / CITEQA_NO_ANSWER_THRESHOLD"
    if has_calibration(settings.reader_model):
        return f"calibrated: {CALIBRATION_FILE} beside the weights"
    return f"the default: the reader has no {CALIBRATION_FILE}"


def evaluate(args: argparse.Namespace) -> int:
    from eval.goldsets import load_gold, spread, write_paragraph_corpus
    from eval.metrics import aggregate
    from eval.report import RunInfo

    started = time.perf_counter()
    gold = load_gold(args.gold)
    _check_args(args, gold)
    # deterministic subsets, in file order: the first N, or N evenly spaced
    questions = list(gold.questions[:args.limit]) if args.limit else spread(gold.questions, args.sample)
    temporary_index = False
    with contextlib.ExitStack() as stack:
        corpus = index = None
        if args.mode == "open" and gold.kind == "jsonl":
            corpus, index = args.corpus, args.index  # None: the settings' (seeds/ and CITEQA_INDEX_DIR)
            if index is None and not os.environ.get("CITEQA_INDEX_DIR"):
                index = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="citeqa-eval-")))
                temporary_index = True
        elif args.mode == "open":
            cache = _squad_cache(gold, _settings(args, None, None), args.cache_dir)
            corpus = write_paragraph_corpus(gold.paragraphs, cache / "corpus")
            index = args.index or cache / "index"
        settings = _settings(args, corpus, index)
        top_k = settings.top_k if args.mode == "open" else None
        if args.mode == "open":
            results, context = run_open(questions, settings, settings.top_k)
        else:
            results, context = run_reader(gold, questions, settings, args.negatives)

    metrics = aggregate(results, args.mode, top_k, git_commit(), retrieval_scored=args.mode == "open",
                        negatives=args.negatives)
    info = RunInfo(gold=str(args.gold), gold_kind=gold.kind, mode=args.mode, reader=settings.reader_model,
                   threshold=context["threshold"], threshold_source=_threshold_source(settings), top_k=top_k,
                   n_gold=len(gold.questions), subset="first N (--limit)" if args.limit else
                   "evenly spaced (--sample)" if args.sample else None,
                   corpus=str(settings.corpus_dir) if args.mode == "open" else None,
                   index=str(settings.index_dir) if args.mode == "open" and not temporary_index else None,
                   n_documents=context["n_documents"], negatives=args.negatives,
                   seconds=time.perf_counter() - started, threads=settings.threads or os.cpu_count() or 1,
                   runtime=f"{settings.model_runtime} {settings.reader_precision}")
    report = write_outputs(args.out, metrics, results, info)
    print(f"n={metrics['n']} EM={metrics['exact_match']} F1={metrics['f1']} "
          f"no_ans_acc={metrics['no_ans_accuracy']} recall@k={metrics['recall_at_k']} "
          f"citations_valid={metrics['citations_valid']} p50={metrics['latency_ms']['p50']}ms")
    print(f"report: {report}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run an evaluation; returns the exit status (0 done, 2 bad input)."""
    args = parse_offline(build_parser(), argv)
    if isinstance(args, int):
        return args
    from pydantic import ValidationError

    from eval.goldsets import GoldFormatError
    from core.errors import CiteqaError

    try:
        return evaluate(args)
    except (UsageError, GoldFormatError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid setting: {problems}", file=sys.stderr)
        return 2
    except CiteqaError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
