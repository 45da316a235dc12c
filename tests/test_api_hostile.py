"""Hostile input: huge and deeply nested bodies, wrong content types, odd Unicode, path traversal,
duplicate uploads, and schemathesis fuzzing from the app's own OpenAPI schema (with a wrong key).

Afterwards the server must be healthy and its index unchanged. Tests run in file order: the last
ones compare against the baseline taken before the first.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from schemathesis.config import SchemathesisConfig

from api import create_app
from core.settings import Settings
from tests.conftest import SEEDS, make_settings
from tests.test_api import assert_citations_exact, assert_error, read_originals, wait_ready

pytestmark = pytest.mark.integration

API_KEY = "hostile-key-8d21"
WRONG_KEY = {"Authorization": "Bearer not-the-key", "X-API-Key": "not-the-key"}
SEED = "000_b9218daaeae66024.txt"
SECRET = "top secret: must never be served"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """``corpus/`` (a copy of seeds/), ``index/``, and ``secret.txt`` beside the corpus as bait."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "corpus").mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, root / "corpus" / f.name)
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile(workdir):
    settings = make_settings(workdir / "corpus", workdir / "index", api_key=API_KEY, max_document_bytes=20_000)
    with TestClient(create_app(settings)) as c:
        wait_ready(c)
        yield c


@pytest.fixture(scope="module")
def baseline(hostile) -> dict:
    return {"documents": hostile.get("/v1/documents").json(),
            "version": hostile.get("/readyz").json()["index_version"]}


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "index" not in p.relative_to(root).parts}


def raw_request(app, method: str, raw_target: bytes, headers: list[tuple[bytes, bytes]] | None = None,
                body: bytes = b"") -> tuple[int, bytes]:
    """Call the ASGI app with the exact request target a socket would carry (clients normalize ``../``)."""
    path, _, query = raw_target.partition(b"?")

    async def call() -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": unquote(path.decode("latin-1")), "raw_path": path, "query_string": query,
                 "root_path": "", "headers": [(b"host", b"testserver"), *(headers or [])],
                 "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}
        sent = False
        status, chunks = 0, []

        async def receive() -> dict:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return asyncio.run(call())


def assert_json_error(status: int, body: bytes, allowed: tuple[int, ...]) -> None:
    assert status in allowed, (status, body[:300])
    assert json.loads(body)["error"]["message"]


# ---------------------------------------------------------------------------- bodies

def test_baseline_taken(baseline):
    assert len(baseline["documents"]) == len(list(SEEDS.glob("*.txt"))) and baseline["version"]


def test_oversized_bodies(hostile):
    good = {"Authorization": f"Bearer {API_KEY}"}
    big_question = json.dumps({"question": "x" * 200_000}).encode()
    assert_error(hostile.post("/v1/ask", content=big_question, headers={"content-type": "application/json"}), 413)
    huge = b"a" * (6 * 20_000 + 64 * 1024 + 1)
    assert_error(hostile.post("/v1/documents", content=huge, headers={**good, "content-type": "application/json"}),
                 413)
    assert_error(hostile.post("/v1/documents", files={"file": ("big.txt", huge, "text/plain")}, headers=good), 413)

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(200):
            yield b"x" * 1024

    assert_error(hostile.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"}), 413)
    assert_error(hostile.request("GET", "/v1/documents", content=b"y" * 100_000), 413)
    status, body = raw_request(hostile.app, "POST", b"/v1/ask", [(b"content-length", b"12abc"),
                                                                  (b"content-type", b"application/json")], b"{}")
    assert_json_error(status, body, (400,))
    assert hostile.get("/v1/documents/big.txt").status_code == 404


@pytest.mark.parametrize("payload", [
    b"[" * 30_000 + b"]" * 30_000,
    b'{"question": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    b'{"question": "x", "top_k": ' + b'{"a":' * 5_000 + b"1" + b"}" * 5_000 + b"}",
    b'{"question": "x", ' + b'"k": 1, ' * 5_000 + b'"top_k": 3}',
    b'{"question": "x", "question": "y", "question": 3}',
    b'{"question": "x"} trailing',
    b"\xef\xbb\xbf" + b'{"question": "bom?"}',
    b'{"question": "x", "top_k": 1e400}',
    b'{"question": "x", "top_k": 99999999999999999999999999999999999}',
    b'{"question": "x", "top_k": NaN}',
    b"null", b"0", b'""', b"{}",
])
def test_malformed_and_nested_json(hostile, payload):
    response = hostile.post("/v1/ask", content=payload, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text[:300]
    if response.status_code != 200:
        assert_error(response, (400, 413, 422))


@pytest.mark.parametrize("method, path, content_type", [
    ("POST", "/v1/ask", "text/plain"),
    ("POST", "/v1/ask", "application/xml"),
    ("POST", "/v1/ask", "multipart/form-data; boundary=xyz"),
    ("POST", "/v1/ask", ";;;"),
    ("POST", "/v1/ask", "application/jsonx"),
    ("POST", "/v1/documents", "text/plain"),
    ("POST", "/v1/documents", "application/xml"),
    ("POST", "/v1/documents", "multipart/form-data"),
    ("POST", "/v1/documents", "multipart/form-data; boundary=xyz"),
    ("POST", "/v1/documents", "application/octet-stream"),
])
def test_wrong_content_types(hostile, method, path, content_type):
    headers = {"content-type": content_type, "Authorization": f"Bearer {API_KEY}"}
    response = hostile.request(method, path, content=b'{"question": "why?", "name": "x.txt", "text": "t"}',
                               headers=headers)
    assert_error(response, (400, 415, 422))


def test_wrong_methods(hostile):
    for method, path in [("PUT", "/v1/ask"), ("GET", "/v1/ask"), ("PATCH", "/v1/documents"),
                         ("PUT", f"/v1/documents/{SEED}"), ("DELETE", "/v1/documents"), ("GET", "/v1/admin/reload")]:
        assert_error(hostile.request(method, path), 405)


# ---------------------------------------------------------------------------- questions

@pytest.mark.parametrize("question", [
    "كم كانت المسافة التي قطعها الصاروخ؟",
    "\u202eHow far did the missile fly?\u202c",
    "מה המרחק? missile 🚀",
    "🚀🚀🚀 How far did the missile fly? 👩\u200d👩\u200d👧",
    "e\u0301\u0301\u0301 combining marks",
    "\ufeffHow far did the missile fly?",
    "How far\u0000 did the\u0007 missile\u001b fly?\u007f\u0085",
    "\u200b\u200c\u200d",
    "𝐇𝐨𝐰 𝐟𝐚𝐫 ｍｉｓｓｉｌｅ",
    "\uffff\U0010ffff",
    "🚀" * 1000,
    "🚀" * 1001,
    "<script>alert(1)</script> missile?",
    "' OR 1=1; -- missile",
])
def test_unicode_questions(hostile, workdir, question):
    response = hostile.post("/v1/ask", json={"question": question, "top_k": 3})
    assert response.status_code in (200, 400), response.text[:300]
    if response.status_code == 200:
        assert_citations_exact(response.json(), read_originals(workdir / "corpus"))
    else:
        assert_error(response, 400)


@pytest.mark.parametrize("raw", [
    b'{"question": "\\ud800 How far did the missile fly?"}',
    b'{"question": "missile \\udfff\\ud800"}',
    b'{"question": "\\ud800"}',
    b'{"question": "\\udc00\\ud83d\\ude80 rocket"}',
    b'{"question": "ok", "\\ud800": 1}',
    b'{"question": "\\u0000\\u0000"}',
])
def test_lone_surrogates_in_questions(hostile, raw):
    response = hostile.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (200, 400, 422), response.text[:300]
    body = response.json()
    if response.status_code == 200:
        assert "\ud800" not in body["question"] and "\udfff" not in body["question"]


# ---------------------------------------------------------------------------- names

RAW_TRAVERSALS = [b"../secret.txt", b"../../../../etc/passwd", b"..%2fsecret.txt", b"%2e%2e/secret.txt",
                  b"%2e%2e%2fsecret.txt", b"%252e%252e%252fsecret.txt", b"..%5csecret.txt", b"..\\secret.txt",
                  b"%00../secret.txt", b"secret.txt%00.txt", b"/../secret.txt", b"%2fetc%2fpasswd",
                  b"corpus/../../secret.txt", b"./../secret.txt", b".%2e/secret.txt", b"%c0%ae%c0%ae/secret.txt",
                  b"..;/secret.txt", b"%2e%2e%5csecret.txt"]


@pytest.mark.parametrize("raw", RAW_TRAVERSALS)
def test_traversal_in_every_name_parameter(hostile, workdir, raw):
    before = files_under(workdir)
    auth = [(b"authorization", f"Bearer {API_KEY}".encode())]
    for method, prefix, headers in [("GET", b"/v1/documents/", []), ("DELETE", b"/v1/documents/", auth),
                                    ("GET", b"/v1/documents/", []), ("DELETE", b"/v1/documents/", [])]:
        status, body = raw_request(hostile.app, method, prefix + raw, headers)
        assert_json_error(status, body, (400, 401, 404))
        assert SECRET.encode() not in body and b"root:" not in body
    status, body = raw_request(hostile.app, "GET", b"/view/" + raw)
    assert status in (200, 400, 404) and SECRET.encode() not in body and b"root:" not in body
    status, body = raw_request(hostile.app, "GET", b"/static/" + raw)
    assert status in (400, 404) and SECRET.encode() not in body
    name = unquote(raw.decode("latin-1"))
    for response in (hostile.post("/v1/documents", json={"name": name, "text": "pwned"},
                                  headers={"Authorization": f"Bearer {API_KEY}"}),
                     hostile.post("/v1/documents", files={"file": (name, b"pwned", "text/plain")},
                                  headers={"Authorization": f"Bearer {API_KEY}"}),
                     hostile.post("/v1/documents", files={"file": ("ok.txt", b"pwned", "text/plain")},
                                  data={"name": name}, headers={"Authorization": f"Bearer {API_KEY}"})):
        assert_error(response, 400)
    assert files_under(workdir) == before


def test_static_files_stay_in_their_folder(hostile):
    for raw in (b"/static/../app.py", b"/static/%2e%2e/app.py", b"/static/..%2fapp.py",
                b"/static/../../qa/settings.py"):
        status, body = raw_request(hostile.app, "GET", raw)
        assert status in (400, 404) and b"create_app" not in body and b"BaseSettings" not in body


def test_hostile_api_keys(hostile):
    for headers in ([(b"x-api-key", b"\xff\xfe\x00")], [(b"authorization", b"Bearer " + b"k" * 8000)],
                    [(b"authorization", b"Bearer \xe9\xe9")], [(b"x-api-key", API_KEY.encode() + b"\x00")],
                    [(b"authorization", b"bearer")], [(b"x-api-key", API_KEY[:-1].encode())]):
        status, body = raw_request(hostile.app, "POST", b"/v1/admin/reload", headers)
        assert_json_error(status, body, (401,))
        assert API_KEY.encode() not in body


# ---------------------------------------------------------------------------- fuzzing

CONFIG = SchemathesisConfig.from_dict({
    "seed": 20251107,
    "generation": {"max-examples": 50},
    "phases": {"stateful": {"enabled": False}},
})


_LIVE_APP: dict[str, object] = {}  # the `hostile` app, once its lifespan runs


async def _live_app(scope, receive, send):
    """Forward to the running ``hostile`` app; its TestClient owns the lifespan, so skip schemathesis's."""
    if scope["type"] == "lifespan":
        return
    await _LIVE_APP["app"](scope, receive, send)


# The schema is read at import (building the app loads nothing); requests reach the live app above.
# (schemathesis.pytest.from_fixture would be the natural fit, but it breaks on pytest 9: no Node._nodeid.)
fuzz = schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=CONFIG)
fuzz.app = _live_app


@pytest.fixture(scope="module")
def live_app(hostile):
    _LIVE_APP["app"] = hostile.app
    yield
    _LIVE_APP.clear()


@fuzz.parametrize()
def test_fuzz_no_server_errors(case, live_app):
    """Every operation, ~50 generated requests each; writes always carry a wrong key (401, nothing changes)."""
    headers = {} if {"authorization", "x-api-key"} & {k.lower() for k in (case.headers or {})} else WRONG_KEY
    case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                    content_type_conformance, response_schema_conformance])


# ---------------------------------------------------------------------------- afterwards

def test_index_unchanged_after_hostile_requests(hostile, baseline, workdir):
    assert hostile.get("/healthz").json() == {"status": "ok"}
    ready = hostile.get("/readyz").json()
    assert ready["index_version"] == baseline["version"]
    assert hostile.get("/v1/documents").json() == baseline["documents"]
    assert (workdir / "secret.txt").read_text(encoding="utf-8") == SECRET
    response = hostile.post("/v1/ask", json={"question": "How far did the missile fly on November 7?"})
    assert response.status_code == 200
    assert_citations_exact(response.json(), read_originals(workdir / "corpus"))


def test_duplicate_uploads(hostile, baseline, workdir):
    auth = {"Authorization": f"Bearer {API_KEY}"}
    text = "Duplicate test article.\nThe harbour crane lifted 48 containers an hour on Tuesday.\n"
    statuses = [hostile.post("/v1/documents", json={"name": "dup.txt", "text": text}, headers=auth).status_code
                for _ in range(3)]
    assert statuses == [201, 200, 200]

    results: list[int] = []

    def upload() -> None:
        results.append(hostile.post("/v1/documents", files={"file": ("dup.txt", text.encode(), "text/plain")},
                                    headers=auth).status_code)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) and all(s in (200, 409) for s in results), results
    names = [d["name"] for d in hostile.get("/v1/documents").json()]
    assert names.count("dup.txt") == 1

    seed_bytes = (SEEDS / SEED).read_bytes()
    same = hostile.post("/v1/documents", files={"file": (SEED, seed_bytes, "text/plain")}, headers=auth)
    assert same.status_code == 200 and same.json()["created"] is False
    assert hostile.delete("/v1/documents/dup.txt", headers=auth).status_code == 200
    assert hostile.get("/v1/documents").json() == baseline["documents"]
    assert not (workdir / "corpus" / "dup.txt").exists()
    assert (workdir / "corpus" / SEED).read_bytes() == seed_bytes
    assert hostile.get("/healthz").status_code == 200 and hostile.get("/readyz").status_code == 200
