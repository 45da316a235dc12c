"""The HTTP API end to end: real models, real seed files, the app's lifespan run by ``TestClient``.

Two apps: ``client`` serves the shared session corpus read-only (no API key configured, so writes
are 403); ``writer`` has its own corpus copy and index and an API key, for the write endpoints.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from tests.conftest import REPO, SEEDS, make_settings

pytestmark = pytest.mark.integration

MISSILE_QUESTION = "How far did the missile fly on November 7?"
API_KEY = "test-key-3f9c1a"
BRIDGE_NAME = "harlow-creek-bridge.txt"
BRIDGE_TEXT = """Harlow Creek Bridge opens to traffic after four years of work

PORT EMBERLY, March 14 (Citeqa Test Wire) - The new Harlow Creek Bridge opened to traffic on Saturday,
ending four years of construction across the estuary north of Port Emberly.

The cable-stayed bridge is 1,240 meters long and carries four lanes of traffic and a protected cycle path.
Mayor Ilse Varga cut the ribbon at 9 a.m. and said the crossing would shorten the commute to the
northern suburbs by twenty minutes.

The project cost 310 million euros, about 15 percent more than first planned, after flooding in the
second winter delayed work on the southern tower.
"""
FERRY_NAME = "ferry-strike.txt"
FERRY_TEXT = """Ferry crews on the Lindholm route walked out on Monday in a dispute over night shifts.
The union said 86 crew members joined the strike, which halted all twelve daily crossings.
"""


def wait_ready(client: TestClient, timeout_s: float = 300.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get("/readyz")
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "not_ready"
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")


def assert_error(response, status: int | tuple[int, ...], *, mentions: str | None = None) -> dict:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if mentions:
        assert mentions in error["message"], error
    return error


def assert_citations_exact(result: dict, originals: dict[str, str]) -> None:
    """Every citation points at the answer text in the ORIGINAL file, and its context too."""
    for answer in result["answers"]:
        assert answer["citations"], answer
        assert 0.0 <= answer["score"] <= 1.0
        for c in answer["citations"]:
            original = originals[c["file"]]
            assert original[c["start"]:c["end"]] == answer["text"], c
            assert original[c["context_start"]:c["context_start"] + len(c["context"])] == c["context"]
            assert c["context_start"] <= c["start"] <= c["end"] <= c["context_start"] + len(c["context"])


def read_originals(folder: Path) -> dict[str, str]:
    return {f.relative_to(folder).as_posix(): f.read_bytes().decode("utf-8") for f in sorted(folder.rglob("*.txt"))}


@pytest.fixture
def originals(settings) -> dict[str, str]:
    """The client app's corpus (the session copy of seeds/; other tests may have added files)."""
    return read_originals(settings.corpus_dir)


@pytest.fixture(scope="module")
def client(settings):
    app = create_app(settings)
    with TestClient(app) as c:
        first = c.get("/readyz")  # the lifespan returns before the models are loaded
        assert first.status_code in (200, 503) and first.headers["content-type"].startswith("application/json")
        wait_ready(c)
        yield c


@pytest.fixture(scope="module")
def writer_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("api-corpus")
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="module")
def writer(writer_corpus, tmp_path_factory):
    # threshold 0.0 forces the "answer" state, so the early reader cannot hide a new document's answer
    settings = make_settings(writer_corpus, tmp_path_factory.mktemp("api-index"), api_key=API_KEY,
                             max_document_bytes=20_000, no_answer_threshold=0.0)
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        wait_ready(c)
        yield c


# ---------------------------------------------------------------------------- health and readiness

def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["index_version"]
    assert ready["documents"] >= len(list(SEEDS.glob("*.txt"))) and ready["passages"] > 0


def test_not_ready_before_startup(settings):
    # no `with`: the lifespan never runs, so this app is never ready
    c = TestClient(create_app(settings))
    assert c.get("/healthz").status_code == 200
    assert_error(c.get("/readyz"), 503)
    assert_error(c.post("/v1/ask", json={"question": MISSILE_QUESTION}), 503)
    assert_error(c.get("/v1/documents"), 503)


def test_docs_and_pages(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/documents", "/v1/documents/{name}", "/healthz", "/readyz"} <= set(schema["paths"])
    page = client.get("/")
    assert page.status_code == 200 and 'for="question"' in page.text and 'aria-live="polite"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN
    assert client.get("/view/some.txt").status_code == 200
    for asset in ("style.css", "common.js", "chat.js", "view.js"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_healthz_stays_responsive_while_answering(client):
    statuses: list[int] = []
    askers = [threading.Thread(target=lambda: statuses.append(
        client.post("/v1/ask", json={"question": MISSILE_QUESTION, "top_k": 20}).status_code)) for _ in range(4)]
    for t in askers:
        t.start()
    slowest = 0.0
    while any(t.is_alive() for t in askers):
        t0 = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        slowest = max(slowest, time.perf_counter() - t0)
        time.sleep(0.05)
    for t in askers:
        t.join()
    assert statuses == [200] * 4
    assert slowest < 2.0, f"/healthz took {slowest:.2f} s while questions were answered"


# ---------------------------------------------------------------------------- asking

def test_ask_happy_path(client, originals):
    response = client.post("/v1/ask", json={"question": MISSILE_QUESTION})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["question"] == MISSILE_QUESTION
    assert set(result["timings_ms"]) == {"retrieve", "read", "total"}
    assert result["answers"], f"no answer for the missile question: {result['no_answer']}"
    assert result["no_answer"] is None
    assert_citations_exact(result, originals)


def test_ask_no_answer_shape(client):
    response = client.post("/v1/ask", json={"question": "What is the boiling point of mercury?", "top_k": 3,
                                            "max_answers": 1})
    assert response.status_code == 200
    result = response.json()
    assert len(result["answers"]) <= 1
    if not result["answers"]:
        assert 0.0 <= result["no_answer"]["score"] < result["no_answer"]["threshold"]


@pytest.mark.parametrize("body, status, field", [
    ({"question": ""}, 400, None),
    ({"question": "   \n\t "}, 400, None),
    ({"question": "x" * 1001}, 400, None),
    ({"question": "\x00\x01\x02"}, 400, None),
    ({}, 422, "question"),
    ({"question": None}, 422, "question"),
    ({"question": 42}, 422, "question"),
    ({"question": ["why?"]}, 422, "question"),
    ({"question": "why?", "top_k": 0}, 422, "top_k"),
    ({"question": "why?", "top_k": 51}, 422, "top_k"),
    ({"question": "why?", "top_k": "5"}, 422, "top_k"),
    ({"question": "why?", "top_k": 2.5}, 422, "top_k"),
    ({"question": "why?", "top_k": True}, 422, "top_k"),
    ({"question": "why?", "max_answers": 0}, 422, "max_answers"),
    ({"question": "why?", "max_answers": 21}, 422, "max_answers"),
    ({"question": "why?", "max_answers": -1}, 422, "max_answers"),
    ({"question": "why?", "topk": 3}, 422, "topk"),
    (["why?"], 422, None),
    ("why?", 422, None),
])
def test_ask_validation(client, body, status, field):
    error = assert_error(client.post("/v1/ask", json=body), status)
    if field:
        assert field in error["fields"] and field in error["message"]


@pytest.mark.parametrize("content, content_type, status", [
    (b'{"question": "why?"', "application/json", 400),
    (b"\xff\xfe not json", "application/json", 400),
    (b"[" * 5000 + b"]" * 5000, "application/json", 400),
    (b'{"question": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}", "application/json", 400),
    (b'{"question": "why?"}', "text/plain", 415),
    (b"question=why%3F", "application/x-www-form-urlencoded", 415),
    (b'{"question": "why?"}', None, 415),
])
def test_ask_bad_bodies(client, content, content_type, status):
    headers = {"content-type": content_type} if content_type else {}
    assert_error(client.post("/v1/ask", content=content, headers=headers), status)


def test_ask_deeply_nested_value_is_a_type_error(client):
    nested = {"question": [[[[[[[[[["deep"]]]]]]]]]]}
    assert_error(client.post("/v1/ask", json=nested), 422)


def test_ask_strips_control_characters(client):
    response = client.post("/v1/ask", json={"question": "How far\x00 did the\x07 missile\x1b fly?", "top_k": 2})
    assert response.status_code == 200, response.text
    assert response.json()["question"] == "How far did the missile fly?"


def test_ask_bounds_are_accepted(client, originals):
    for body in ({"question": "Who fired the missile?", "top_k": 1, "max_answers": 1},
                 {"question": "Who fired the missile?", "top_k": 50, "max_answers": 20},
                 {"question": "y" * 1000}):
        response = client.post("/v1/ask", json=body)
        assert response.status_code == 200, response.text
        assert_citations_exact(response.json(), originals)


# ---------------------------------------------------------------------------- reading documents

def test_documents_list(client, settings):
    listed = {d["name"]: d for d in client.get("/v1/documents").json()}
    assert set(listed) >= {f.name for f in SEEDS.glob("*.txt")}
    for name in listed:
        data = (settings.corpus_dir / name).read_bytes()
        assert listed[name]["size"] == len(data)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed[name]["passages"] > 0


def test_document_text_is_the_original(client, originals):
    name, text = next(iter(originals.items()))
    assert client.get(f"/v1/documents/{name}").json() == {"name": name, "text": text}


def test_document_span_view(client, originals):
    answer = client.post("/v1/ask", json={"question": MISSILE_QUESTION}).json()["answers"]
    name, start, end = ((answer[0]["citations"][0][k] for k in ("file", "start", "end")) if answer
                        else (next(iter(originals)), 100, 120))
    text = originals[name]
    span = client.get(f"/v1/documents/{name}", params={"start": start, "end": end}).json()
    assert span["text"] == text[start:end]
    assert span["context_before"] == text[max(0, start - len(span["context_before"])):start]
    assert span["context_after"] == text[end:end + len(span["context_after"])]
    assert span["context_before"] or start == 0
    only_start = client.get(f"/v1/documents/{name}", params={"start": len(text) - 5}).json()
    assert only_start["text"] == text[-5:]
    empty = client.get(f"/v1/documents/{name}", params={"start": 0, "end": 0}).json()
    assert empty["text"] == ""


@pytest.mark.parametrize("params", [
    {"start": 10, "end": 5}, {"start": -1, "end": 5}, {"start": 0, "end": 10**9}, {"end": -3},
    {"start": "abc"}, {"start": "1.5", "end": "3"}, {"start": "", "end": "2"}, {"start": "1e3"},
])
def test_document_span_invalid(client, originals, params):
    name = next(iter(originals))
    assert_error(client.get(f"/v1/documents/{name}", params=params), 400)


def test_unknown_documents_are_404(client):
    assert_error(client.get("/v1/documents/no-such-article.txt"), 404)
    assert_error(client.get("/v1/documents/sub/folder/no-such.txt"), 404)
    assert_error(client.get("/no/such/route"), 404)
    assert_error(client.put("/v1/ask", json={"question": "x"}), 405)


TRAVERSALS = [
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "..%5c..%5cetc%5cpasswd",
    "..\\..\\etc\\passwd",
    "000_b9218daaeae66024.txt%00.png",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "....//....//etc/passwd",
    "%2e/000_b9218daaeae66024.txt",
    "sub/%2e%2e/000_b9218daaeae66024.txt",
    "%2e",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_path_traversal_get(client, name):
    response = client.get(f"/v1/documents/{name}")
    assert_error(response, (400, 404))
    assert "root:" not in response.text


@pytest.mark.parametrize("name", TRAVERSALS)
def test_path_traversal_delete(writer, writer_corpus, name):
    before = sorted(p.name for p in writer_corpus.iterdir())
    assert_error(writer.delete(f"/v1/documents/{name}"), (400, 404))
    assert sorted(p.name for p in writer_corpus.iterdir()) == before


# ---------------------------------------------------------------------------- writing documents

def test_writes_are_forbidden_without_a_configured_key(client):
    error = assert_error(client.post("/v1/documents", json={"name": BRIDGE_NAME, "text": BRIDGE_TEXT}), 403)
    assert error["code"] == "writes_disabled"
    assert_error(client.delete("/v1/documents/000_b9218daaeae66024.txt"), 403)
    assert_error(client.post("/v1/admin/reload"), 403)


@pytest.mark.parametrize("headers", [
    {"Authorization": ""},
    {"Authorization": "Bearer wrong-key"},
    {"Authorization": f"Basic {API_KEY}"},
    {"Authorization": f"Bearer {API_KEY}x"},
    {"Authorization": "Bearer", "X-API-Key": "nope"},
    {"Authorization": "Bearer ünïcödé".encode("utf-8")},
])
def test_writes_need_the_right_key(writer, headers):
    for response in (writer.post("/v1/documents", json={"name": BRIDGE_NAME, "text": BRIDGE_TEXT}, headers=headers),
                     writer.delete("/v1/documents/000_b9218daaeae66024.txt", headers=headers),
                     writer.post("/v1/admin/reload", headers=headers)):
        error = assert_error(response, 401)
        assert API_KEY not in response.text and error["code"] == "unauthorized"
    assert writer.get(f"/v1/documents/{BRIDGE_NAME}").status_code == 404


def test_admin_reload(writer):
    for headers in ({"Authorization": f"Bearer {API_KEY}"}, {"Authorization": "", "X-API-Key": API_KEY}):
        response = writer.post("/v1/admin/reload", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["index_version"] == writer.get("/readyz").json()["index_version"]


def test_index_rebuilt_by_another_process_goes_live(writer, writer_corpus):
    """`citeqa index` in another process writes a new version; the server's poller picks it up."""
    before = writer.get("/readyz").json()["index_version"]
    (writer_corpus / FERRY_NAME).write_text(FERRY_TEXT, encoding="utf-8")
    settings = writer.app.state.settings
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "cli", "index", "--corpus", str(writer_corpus),
                    "--index", str(settings.index_dir)], cwd=REPO, env=env, check=True, capture_output=True,
                   timeout=300)
    deadline = time.monotonic() + 30
    while writer.get("/readyz").json()["index_version"] == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert writer.get("/readyz").json()["index_version"] != before
    assert FERRY_NAME in {d["name"] for d in writer.get("/v1/documents").json()}
    assert writer.delete(f"/v1/documents/{FERRY_NAME}").status_code == 200


def test_upload_json_is_citable_at_once_and_delete_removes_it(writer, writer_corpus):
    before = writer.get("/readyz").json()
    response = writer.post("/v1/documents", json={"name": BRIDGE_NAME, "text": BRIDGE_TEXT})
    assert response.status_code == 201, response.text
    change = response.json()
    assert change["name"] == BRIDGE_NAME and change["created"] is True and change["passages"] >= 1
    assert change["version"] != before["index_version"]
    assert writer.get("/readyz").json()["index_version"] == change["version"]
    assert (writer_corpus / BRIDGE_NAME).read_text(encoding="utf-8") == BRIDGE_TEXT
    assert writer.get(f"/v1/documents/{BRIDGE_NAME}").json()["text"] == BRIDGE_TEXT
    assert BRIDGE_NAME in {d["name"] for d in writer.get("/v1/documents").json()}

    question = {"question": "How long is the Harlow Creek Bridge?", "max_answers": 20}
    result = writer.post("/v1/ask", json=question).json()
    assert_citations_exact(result, read_originals(writer_corpus))
    assert BRIDGE_NAME in {c["file"] for a in result["answers"] for c in a["citations"]}, result

    again = writer.post("/v1/documents", json={"name": BRIDGE_NAME, "text": BRIDGE_TEXT})
    assert again.status_code == 200 and again.json()["created"] is False

    removed = writer.delete(f"/v1/documents/{BRIDGE_NAME}")
    assert removed.status_code == 200, removed.text
    assert removed.json()["removed"] is True
    assert not (writer_corpus / BRIDGE_NAME).exists()
    assert_error(writer.get(f"/v1/documents/{BRIDGE_NAME}"), 404)
    assert BRIDGE_NAME not in {d["name"] for d in writer.get("/v1/documents").json()}
    result = writer.post("/v1/ask", json=question).json()
    assert BRIDGE_NAME not in {c["file"] for a in result["answers"] for c in a["citations"]}
    assert_error(writer.delete(f"/v1/documents/{BRIDGE_NAME}"), 404)


def test_upload_multipart(writer, writer_corpus):
    files = {"file": (FERRY_NAME, FERRY_TEXT.encode("utf-8"), "text/plain")}
    response = writer.post("/v1/documents", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == FERRY_NAME
    # an explicit name wins over the upload's file name
    renamed = writer.post("/v1/documents", files=files, data={"name": "ferry-renamed.txt"})
    assert renamed.status_code == 201 and renamed.json()["name"] == "ferry-renamed.txt"
    result = writer.post("/v1/ask", json={"question": "How many crew members joined the ferry strike?",
                                          "max_answers": 20}).json()
    assert_citations_exact(result, read_originals(writer_corpus))
    assert {FERRY_NAME, "ferry-renamed.txt"} & {c["file"] for a in result["answers"] for c in a["citations"]}
    for name in (FERRY_NAME, "ferry-renamed.txt"):
        assert writer.delete(f"/v1/documents/{name}").status_code == 200


def test_documents_in_folders_can_be_added_replaced_and_deleted(writer, writer_corpus):
    name = "world/harbours/bridge.txt"  # `citeqa index` names articles in subfolders like this
    created = writer.post("/v1/documents", json={"name": name, "text": BRIDGE_TEXT})
    assert created.status_code == 201 and created.json()["name"] == name, created.text
    assert (writer_corpus / "world" / "harbours" / "bridge.txt").read_text(encoding="utf-8") == BRIDGE_TEXT
    assert name in {d["name"] for d in writer.get("/v1/documents").json()}
    result = writer.post("/v1/ask", json={"question": "How long is the Harlow Creek Bridge?", "max_answers": 20}).json()
    assert_citations_exact(result, read_originals(writer_corpus))
    assert name in {c["file"] for a in result["answers"] for c in a["citations"]}, result

    longer = BRIDGE_TEXT.replace("1,240 meters", "1,310 meters")
    replaced = writer.post("/v1/documents", json={"name": name, "text": longer})
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    assert writer.get(f"/v1/documents/{name}").json()["text"] == longer

    assert writer.delete(f"/v1/documents/{name}").status_code == 200
    assert not (writer_corpus / "world" / "harbours" / "bridge.txt").exists()
    assert_error(writer.get(f"/v1/documents/{name}"), 404)
    assert name not in {d["name"] for d in writer.get("/v1/documents").json()}


def test_upload_refuses_a_folder_where_a_file_is(writer, writer_corpus):
    existing = sorted(writer_corpus.glob("*.txt"))[0].name
    before = read_originals(writer_corpus)
    error = assert_error(writer.post("/v1/documents", json={"name": f"{existing}/inner.txt", "text": BRIDGE_TEXT}),
                         400)
    assert error["code"] == "invalid_document"
    (writer_corpus / "folder.txt").mkdir()
    try:
        assert_error(writer.post("/v1/documents", json={"name": "folder.txt", "text": BRIDGE_TEXT}), 400)
        assert_error(writer.delete("/v1/documents/folder.txt"), 404)
    finally:
        (writer_corpus / "folder.txt").rmdir()
    assert read_originals(writer_corpus) == before


def test_upload_of_an_unsupported_type_is_415(writer, writer_corpus):
    before = sorted(p.name for p in writer_corpus.parent.rglob("*"))
    for name in ("evil.exe", "report.pdf", "world/notes.md"):
        error = assert_error(writer.post("/v1/documents", json={"name": name, "text": BRIDGE_TEXT}), 415)
        assert error["code"] == "unsupported_media_type" and ".txt" in error["message"]
        assert_error(writer.post("/v1/documents", files={"file": (name, b"%PDF-1.4 ...", "application/pdf")}), 415)
    assert sorted(p.name for p in writer_corpus.parent.rglob("*")) == before


@pytest.mark.parametrize("name", [
    "../evil.txt", "../../tmp/evil.txt", "/tmp/evil.txt", "sub/../evil.txt", "..\\evil.txt", "evil",
    ".hidden.txt", "", " evil.txt", "evil\x00.txt", "evil\n.txt", "x" * 300 + ".txt", "..txt", "evil.txt/",
    "sub//evil.txt", ".git/evil.txt", "sub/.hidden/evil.txt", "sub /evil.txt", "/".join("abcdefghi") + "/evil.txt",
])
def test_upload_bad_names(writer, writer_corpus, name):
    before = sorted(p.name for p in writer_corpus.parent.rglob("*"))
    error = assert_error(writer.post("/v1/documents", json={"name": name, "text": BRIDGE_TEXT}), 400)
    assert error["code"] == "invalid_document"
    assert_error(writer.post("/v1/documents", files={"file": (name or "x", b"some text", "text/plain")},
                             data={"name": name} if name else {}), 400)
    assert sorted(p.name for p in writer_corpus.parent.rglob("*")) == before


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\xff\xfe\x00bad", "caf\u00e9".encode("latin-1"),
                                  b"\x00\x01\x02\x03" * 10])
def test_upload_rejects_non_text(writer, data):
    error = assert_error(writer.post("/v1/documents", files={"file": ("bad.txt", data, "text/plain")}), 400)
    assert error["code"] == "invalid_document"
    assert_error(writer.get("/v1/documents/bad.txt"), 404)


def test_upload_json_edge_cases(writer):
    assert_error(writer.post("/v1/documents", json={"name": "empty.txt", "text": ""}), 400)
    assert_error(writer.post("/v1/documents", json={"name": "x.txt"}), 422)
    assert_error(writer.post("/v1/documents", json={"name": "x.txt", "text": 5}), 422)
    assert_error(writer.post("/v1/documents", content=b'{"name": "x.txt", "text": "\\ud800"}',
                             headers={"content-type": "application/json"}), (400, 422))
    assert_error(writer.post("/v1/documents", content=b"{not json", headers={"content-type": "application/json"}),
                 400)
    assert_error(writer.post("/v1/documents", content=b"name=x.txt", headers={
        "content-type": "application/x-www-form-urlencoded"}), 415)
    assert_error(writer.post("/v1/documents", files={"other": ("x.txt", b"text", "text/plain")}), 400)


def test_upload_oversize(writer):
    limit = 20_000  # the writer app's max_document_bytes
    error = assert_error(writer.post("/v1/documents", files={"file": ("big.txt", b"a" * (limit + 1), "text/plain")}),
                         413)
    assert error["code"] in ("document_too_large", "payload_too_large")
    assert_error(writer.post("/v1/documents", json={"name": "big.txt", "text": "a" * (limit + 1)}), 413)
    assert_error(writer.post("/v1/documents", content=b"a" * (10 * limit + 100_000),
                             headers={"content-type": "application/json"}), 413)
    fits = "The council met again today. " * (limit // 29)
    assert writer.post("/v1/documents", json={"name": "fits.txt", "text": fits}).status_code == 201
    assert writer.delete("/v1/documents/fits.txt").status_code == 200
    assert_error(writer.get("/v1/documents/big.txt"), 404)
