"""Training the extractive reader on SQuAD 1.1 (plus negatives). Not part of answering a question."""
