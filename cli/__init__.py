"""The command line (`citeqa`): the top floor, above index/, qa/, api/, eval/ and training/."""

from cli.commands import app, main

__all__ = ["app", "main"]
