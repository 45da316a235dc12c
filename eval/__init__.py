"""Evaluation of citeqa against gold question sets.

    eval.goldsets    load our gold JSONL or a SQuAD 1.1 JSON (optionally .gz); SQuAD paragraphs as documents
    eval.metrics     per-question scoring (SQuAD v1.1 EM/F1 rules), retrieval ranks, aggregate metrics
    eval.run         ``python -m eval.run`` / ``citeqa eval``: run the system, write metrics/predictions/report
    eval.report      report.md with the headline table, targets, worst questions and a figure
    eval.calibrate   ``python -m eval.calibrate``: choose the reader's no-answer threshold on SQuAD dev
"""
