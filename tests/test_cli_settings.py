"""A bad CITEQA_* variable is a one-line error naming it, with exit code 2 — not a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.commands import app


@pytest.mark.parametrize("env, named", [({"CITEQA_TOP_K": "999"}, "CITEQA_TOP_K"),
                                        ({"CITEQA_MODEL_RUNTIME": "tensorflow"}, "CITEQA_MODEL_RUNTIME"),
                                        ({"CITEQA_READER_PRECISION": "bf16"}, "needs model_runtime torch")])
def test_invalid_settings_are_reported_plainly(env, named, monkeypatch):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["ask", "How far did the missile fly?"])
    assert result.exit_code == 2
    assert "error: invalid settings" in result.output and named in result.output
    assert "Traceback" not in result.output
