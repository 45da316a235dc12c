"""Shared fixtures: the real models and the real seed files, built once per test session.

``CITEQA_TEST_READER`` points the tests at another reader checkpoint (default: the shipped one).

Tests come in two halves: fast unit tests (fakes such as ``HashEmbedder``, hand-made readings) and
integration tests on the real models, marked ``integration`` (explicitly, or automatically when
they use a fixture that loads a real model). ``make test-fast`` runs the fast half in seconds;
``make test`` (and CI) runs everything.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from core.settings import DEFAULT_READER_DIR, Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
GOLD_DEV = REPO / "eval" / "gold" / "dev.jsonl"
# SQuAD 1.1 (never committed): ``../shared/data/squad`` next to the checkout, or ``CITEQA_SQUAD_DIR``
SQUAD_DIR = Path(os.environ.get("CITEQA_SQUAD_DIR", REPO.parent / "shared" / "data" / "squad"))


def squad_file(name: str) -> Path:
    """A SQuAD file the tests read; a clear failure (never a skip) when the data is not there."""
    path = SQUAD_DIR / name
    if not path.is_file():
        pytest.fail(f"{path} not found: clone next to ../shared or set CITEQA_SQUAD_DIR", pytrace=False)
    return path


REAL_MODEL_FIXTURES = {"service", "embedder"}


def pytest_collection_modifyitems(items):
    for item in items:
        if REAL_MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def reader_model_path() -> str:
    return os.environ.get("CITEQA_TEST_READER", str(DEFAULT_READER_DIR))


def make_settings(corpus_dir: Path, index_dir: Path, **overrides) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=index_dir, reader_model=reader_model_path(), **overrides)


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory) -> Path:
    """A private copy of seeds/ (tests may add files to it)."""
    folder = tmp_path_factory.mktemp("corpus")
    for f in sorted(SEEDS.glob("*.txt")) + sorted(SEEDS.glob("*.txt.meta.json")):  # articles and their sidecars
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def settings(seed_corpus, tmp_path_factory) -> Settings:
    return make_settings(seed_corpus, tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def service(settings):
    """A warm ``QAService`` over the seed corpus (real embedder, real reader)."""
    from qa.service import QAService

    svc = QAService(settings)
    svc.warm_up(load_index=False)
    svc.build_index()
    svc.reload()
    return svc


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2, without the reader (for index-only tests)."""
    from index.embedding import SentenceTransformerEmbedder
    from core.settings import default_embedding_model

    emb = SentenceTransformerEmbedder(default_embedding_model())
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def originals() -> dict[str, str]:
    """Original text of every seed file, decoded exactly as citeqa decodes it."""
    return {f.name: f.read_bytes().decode("utf-8") for f in sorted(SEEDS.glob("*.txt"))}
