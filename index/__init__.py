"""Turning a folder of articles into a searchable index: ingest → clean → chunk → embed → store."""
