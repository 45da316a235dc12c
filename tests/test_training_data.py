"""The negatives the reader is trained on really lack the answer, and the training job runs, saves and resumes."""

from __future__ import annotations

import pytest

from training.negatives import ArticleNegativeMiner, without_answer_sentence
from training.train import build_examples

CONTEXT = ("The bridge was designed by Anna Berg in 1998. It opened to traffic on 4 May 2004 after six years of "
           "work. The city council paid for most of it. Engineers praised its light steel deck.")


def test_the_answer_sentence_is_cut_and_the_rest_kept():
    start = CONTEXT.index("4 May 2004")
    rest = without_answer_sentence(CONTEXT, start, start + len("4 May 2004"), {"4 may 2004"})
    assert rest == ("The bridge was designed by Anna Berg in 1998. The city council paid for most of it. "
                    "Engineers praised its light steel deck.")


def test_no_negative_when_the_answer_is_also_elsewhere():
    text = CONTEXT + " Anna Berg attended the opening."
    start = text.index("Anna Berg")
    assert without_answer_sentence(text, start, start + 9, {"anna berg"}) is None


def test_no_negative_from_a_one_sentence_paragraph():
    text = "The bridge opened to traffic on 4 May 2004 after six years of work by hundreds of engineers and crews."
    start = text.index("4 May")
    assert without_answer_sentence(text, start, start + 10, {"4 may 2004"}) is None


def test_build_examples_labels_every_negative_null_and_keeps_answers_out():
    articles = [{"title": f"a{i}", "paragraphs": [
        {"context": CONTEXT.replace("Anna Berg", f"Person {i}{j}"),
         "qas": [{"id": f"q{i}{j}", "question": "Who designed the bridge?",
                  "answers": [{"text": f"Person {i}{j}", "answer_start": CONTEXT.index("Anna Berg")}]}]}
        for j in range(3)]} for i in range(3)]
    examples = build_examples(articles, negative_ratio=1.0, same_article_share=0.5, seed=1,
                              removed_sentence_ratio=1.0, mined_negative_ratio=1.0)
    positives = [e for e in examples if e.answer_start >= 0]
    negatives = [e for e in examples if e.answer_start < 0]
    assert len(positives) == 9
    assert any(e.qid.endswith("-cut") for e in negatives) and any(e.qid.endswith("-mined") for e in negatives)
    for e in positives:
        assert e.context[e.answer_start:e.answer_start + len(e.answer_text)] == e.answer_text
    answer_of = {e.qid: e.answer_text.lower() for e in positives}
    for e in negatives:
        assert answer_of[e.qid.rsplit("-", 1)[0]] not in e.context.lower()


ARTICLE = [
    "Valmora has sent around 40 ships to the strait, officials said on Monday.",
    "The port's population is about 300,000, according to the 2010 census of Valmora.",
    "Dunmere hosted the summit; delegates discussed trade and fisheries.",
    "The harbour office of Valmora praised the crews and the ships that sailed.",
    "Rain is expected over the weekend in the north.",
    "The council meets on Tuesdays in the old town hall.",
    "A new bridge over the river will open next spring.",
]


def test_the_mined_negative_is_the_closest_paragraph_without_the_answer():
    miner = ArticleNegativeMiner(ARTICLE)
    question = "How many ships has Valmora sent?"
    # paragraph 0 answers it; of the others, the one sharing "Valmora" and "ships" ranks first
    assert miner.closest_without_answer(question, own=0, answers={"40"}) == ARTICLE[3]
    # a paragraph that contains an answer is never a negative, even when it ranks first
    assert miner.closest_without_answer(question, own=2, answers={"40", "ships"}) == ARTICLE[1]


def test_no_mined_negative_without_a_lexical_match():
    miner = ArticleNegativeMiner(ARTICLE)
    assert miner.closest_without_answer("What colour is the sky?", own=0, answers={"blue"}) is None
    assert ArticleNegativeMiner(ARTICLE[:1]).closest_without_answer("Valmora ships", 0, set()) is None


@pytest.mark.integration
def test_training_runs_saves_and_resumes_on_the_cpu(tmp_path):
    """Two steps from the shipped reader on a tiny SQuAD file, then a resumed third: the device ``auto`` resolves to
    what torch sees (the CPU here), the fp16 snapshot loads back, and a resumed run continues at its step."""
    import gzip
    import json

    import torch
    from transformers import AutoModelForQuestionAnswering

    from training.train import TrainConfig, train, training_device

    context = ("The MV Sorrel Bay struck the Hask Reef at 6:52 a.m. on Thursday. Two passengers died and 37 people "
               "were injured. The ferry had 412 passengers and 23 crew on board.")
    qas = [{"id": f"q{i}", "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]}
           for i, (q, a) in enumerate([("When did the ferry hit the reef?", "6:52 a.m."),
                                       ("How many people were injured?", "37"),
                                       ("How many crew were on board?", "23"),
                                       ("What did the ferry strike?", "the Hask Reef")])]
    data = {"data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}]}
    squad = tmp_path / "train.json.gz"
    with gzip.open(squad, "wt", encoding="utf-8") as f:
        json.dump(data, f)
    cfg = TrainConfig(train_file=str(squad), base_model="models/reader", run_dir=str(tmp_path / "run"), epochs=3.0,
                      batch_size=2, learning_rate=1e-5, negative_ratio=0.0, save_every=1, snapshot_every=100)
    assert training_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert training_device("cpu") == torch.device("cpu")
    train(cfg, resume=False, max_steps=2)
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 2 and not (tmp_path / "run" / "final").exists()
    final = train(cfg, resume=True)  # 4 features, batch 2, 3 epochs: 6 steps in all
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["step"] == 6
    model = AutoModelForQuestionAnswering.from_pretrained(final)
    assert next(model.parameters()).dtype == torch.float32 and (final / "model.safetensors").stat().st_size > 1e7
