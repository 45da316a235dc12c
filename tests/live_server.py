"""``citeqa serve`` as a real subprocess for tests (browser, server limits): start it, wait until ready, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO, reader_model_path


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    corpus: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(corpus: Path, index: Path, log: Path, threshold: str | None = None,
                 **settings: str) -> Server:
    """``citeqa serve`` in a subprocess, once ``/readyz`` says ready; ``settings`` become ``CITEQA_*``
    environment variables (``max_queued_asks="2"``)."""
    port = free_port()
    env = {**os.environ, "CITEQA_CORPUS_DIR": str(corpus), "CITEQA_INDEX_DIR": str(index),
           "CITEQA_READER_MODEL": reader_model_path(),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("CITEQA_API_KEY", None)
    if threshold is not None:
        env["CITEQA_NO_ANSWER_THRESHOLD"] = threshold
    env.update({f"CITEQA_{k.upper()}": v for k, v in settings.items()})
    with open(log, "wb") as out:
        command = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log, corpus=corpus)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    stop_server(server)
    raise AssertionError(f"server not ready after 300 s:\n{log.read_text()[-3000:]}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
