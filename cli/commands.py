"""The ``citeqa`` command line: index, ask, serve, check, eval, train-reader. The top floor: it may import every room.

Every option defaults to the settings (``CITEQA_*`` environment variables, see ``core.settings``);
a flag given on the command line overrides them.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from core.errors import CiteqaError, InvalidRequest
from core.settings import TOP_K_MAX, TOP_K_MIN

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="citeqa: extractive question answering over a folder of news articles, with citations.")

CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="folder of articles: .txt, .html, feeds, JSON(L) exports (env CITEQA_CORPUS_DIR; default seeds/)")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="index folder (env CITEQA_INDEX_DIR; default .citeqa/index)")]


def _settings(**overrides):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from pydantic import ValidationError

    from core.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**values)
    except ValidationError as exc:  # a bad CITEQA_* variable: say which, not a traceback
        problems = "; ".join(f"CITEQA_{'_'.join(map(str, e['loc'])).upper() or '*'}: {e['msg']}"
                             for e in exc.errors())
        typer.secho(f"error: invalid settings: {problems}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None


def _fail(exc: Exception) -> None:
    message = exc.message if isinstance(exc, CiteqaError) else str(exc)
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def result_to_dict(result) -> dict:
    """The same JSON as ``POST /v1/ask`` returns."""
    from api.schemas import AskResponse

    return AskResponse.from_result(result).model_dump(mode="json")


@app.command()
def index(corpus: CorpusOpt = None, index: IndexOpt = None,
          optimize: Annotated[bool, typer.Option("--optimize", help="fold every segment of the index into one "
                                                 "(updates add small segments; they are folded on their own "
                                                 "as they accumulate)")] = False,
          ray: Annotated[Optional[str], typer.Option("--ray", metavar="ADDRESS", help="chunk and embed on the Ray "
                                                     "cluster at ADDRESS (host:port of its head); every node needs "
                                                     "this checkout and its environment; an interrupted run sends "
                                                     "only the batches not finished yet when started again")] = None,
          verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Build or update the index over the corpus folder (only changed files are re-embedded, and only they
    are written: in a new segment); with the onnx runtime (the default) it also exports the models to ONNX
    the first time (cached in .citeqa/models)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    from qa.service import QAService

    settings = _settings(corpus_dir=corpus, index_dir=index)
    try:
        typer.echo(f"indexing {settings.corpus_dir} into {settings.index_dir} ...", err=True)
        service = QAService(settings)
        report = service.build_index(show_progress=True, optimize=optimize, ray_address=ray)
        if settings.model_runtime == "onnx":  # export the reader now (once), so the first `serve` starts fast
            service.reader.warm_up()
    except (CiteqaError, FileNotFoundError) as exc:
        _fail(exc)
    typer.echo(f"files: {report.files}  passages: {report.passages}  embedded: {len(report.embedded_files)}  "
               f"reused: {report.reused_files}  removed: {len(report.removed_files)}  "
               f"skipped: {len(report.skipped)}  seconds: {report.seconds:.1f}")
    for skipped in report.skipped:
        typer.secho(f"  skipped {skipped.name}: {skipped.reason}", fg=typer.colors.YELLOW)
    typer.echo(f"index version {report.version} in {settings.index_dir}")


@app.command()
def ask(question: Annotated[str, typer.Argument(help="the question, in quotes")],
        top_k: Annotated[Optional[int], typer.Option("--top-k", min=TOP_K_MIN, max=TOP_K_MAX, help="passages to read (env CITEQA_TOP_K; default 8)")] = None,
        max_answers: Annotated[Optional[int], typer.Option("--max-answers", min=1)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
        published_after: Annotated[Optional[datetime], typer.Option("--published-after", formats=["%Y-%m-%d"], help="only documents published on or after this date (YYYY-MM-DD)")] = None,
        published_before: Annotated[Optional[datetime], typer.Option("--published-before", formats=["%Y-%m-%d"], help="only documents published on or before this date (YYYY-MM-DD)")] = None,
        outlet: Annotated[Optional[list[str]], typer.Option("--outlet", help="only documents from this outlet (repeatable)")] = None,
        corpus: CorpusOpt = None, index: IndexOpt = None,
        reader: Annotated[Optional[str], typer.Option("--reader", help="extractive QA checkpoint (env CITEQA_READER_MODEL; default models/reader)")] = None) -> None:
    """Answer a question from the index, with citations (builds the index first if there is none)."""
    from core.types import DocumentFilter

    filters = DocumentFilter(published_after=published_after.date().isoformat() if published_after else None,
                             published_before=published_before.date().isoformat() if published_before else None,
                             outlets=tuple(outlet) if outlet else None)
    logging.basicConfig(level=logging.WARNING)
    from qa.service import QAService

    settings = _settings(corpus_dir=corpus, index_dir=index, top_k=top_k, reader_model=reader)
    service = QAService(settings)
    try:
        service.warm_up(load_index=False)
        if not service.store.exists():
            typer.echo("no index yet: building it first ...", err=True)
            service.build_index(show_progress=True)
        service.reload()
        result = service.ask(question, top_k=top_k, max_answers=max_answers, filters=filters)
    except (CiteqaError, FileNotFoundError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(result_to_dict(result), ensure_ascii=False, indent=2))
        return
    if not result.answers:
        na = result.no_answer
        typer.echo(f"No answer in the articles (best candidate scored {na.score:.2f}, threshold {na.threshold:.2f}).")
        if result.filtered is not None:
            typer.echo(f"(filters left {result.filtered.documents_matched} documents; "
                       f"{result.filtered.excluded_unknown_date} excluded for an unknown date)", err=True)
        return
    for rank, answer in enumerate(result.answers, start=1):
        typer.secho(f"{rank}. {answer.text}  (score {answer.score:.2f})", bold=True)
        for c in answer.citations:
            left = c.context[max(0, c.start_in_context - 80):c.start_in_context]
            right = c.context[c.start_in_context + len(c.text):c.start_in_context + len(c.text) + 80]
            snippet = " ".join(f"…{left}[{c.text}]{right}…".split())
            meta = result.documents.get(c.file)
            source = " · ".join(x for x in (meta.outlet, meta.published, meta.title) if x) if meta else ""
            typer.echo(f"   {c.file} [{c.start}:{c.end}]{'  ' + source if source else ''}")
            typer.echo(f"      {snippet}")
    typer.echo(f"({result.timings_ms['total']:.0f} ms)", err=True)


@app.command()
def serve(host: Annotated[Optional[str], typer.Option(help="interface to bind (env CITEQA_HOST; default 127.0.0.1)")] = None,
          port: Annotated[Optional[int], typer.Option(help="port (env CITEQA_PORT; default 8000)")] = None,
          corpus: CorpusOpt = None, index: IndexOpt = None,
          ray: Annotated[Optional[str], typer.Option("--ray", metavar="ADDRESS", help="serve through Ray Serve "
                                                     "replicas on the cluster at ADDRESS (every node needs this "
                                                     "checkout, its environment and the index folder)")] = None,
          replicas: Annotated[int, typer.Option("--replicas", min=1, help="with --ray: replicas (one CPU each)")] = 2,
          shards: Annotated[int, typer.Option("--shards", min=0, max=256, help="with --ray: hold the index in this "
                                              "many shards, Ray actors spread over the nodes, searched by every "
                                              "replica (scatter-gather; the same answers; read-only: the index "
                                              "must exist, `citeqa index` updates it); 0 = each replica holds "
                                              "the whole index")] = 0
          ) -> None:
    """Serve the JSON API and the chat page (http://HOST:PORT/), building the index if needed."""
    settings = _settings(host=host, port=port, corpus_dir=corpus, index_dir=index)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if shards and not ray:
        _fail(InvalidRequest("--shards needs --ray ADDRESS (the shards are Ray actors)"))
    if ray:
        from api.ray_serve import serve_on_ray

        try:
            serve_on_ray(settings.with_absolute_paths(), ray, replicas, shards=shards)
        except CiteqaError as exc:
            _fail(exc)
        return
    from api.app import create_app
    from api.server import serve as serve_app

    serve_app(create_app(settings), settings)


@app.command()
def check(corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Verify that the index matches the corpus folder; exit 1 on any mismatch."""
    from index.consistency import check_consistency

    settings = _settings(corpus_dir=corpus, index_dir=index)
    try:
        problems = check_consistency(settings)
    except (CiteqaError, FileNotFoundError) as exc:
        _fail(exc)
    if problems:
        for p in problems:
            typer.secho(f"MISMATCH {p}", fg=typer.colors.RED)
        raise typer.Exit(code=1)
    typer.echo("ok: index and corpus agree")


@app.command(add_help_option=False, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def eval(ctx: typer.Context) -> None:  # noqa: A001 - the command is called "eval"
    """Score the system against a gold set (see `citeqa eval --help`)."""
    from eval.run import main as eval_main

    sys.exit(eval_main(ctx.args))


@app.command("train-reader", add_help_option=False, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train_reader(ctx: typer.Context) -> None:
    """Train the extractive reader on SQuAD 1.1 (see `citeqa train-reader --help`)."""
    from training.train import main as train_main

    train_main(ctx.args)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
