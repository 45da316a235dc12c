"""Every article format end to end on the real models: ingest from the corpus folder (and by upload)
→ ask → each citation verifies against ``GET /v1/documents/{name}`` and carries the document's
title, date and outlet. Fixtures are the team's hand-written pages, feeds and exports
(``tests/fixtures/news``, with the expected metadata and facts in ``expected.json``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api import create_app
from core.text import normalize_answer
from tests.conftest import make_settings
from tests.test_api import API_KEY, assert_error, wait_ready

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures" / "news"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
GOOD = sorted(name for name, spec in EXPECTED.items() if "documents" in spec)
BAD = sorted(name for name, spec in EXPECTED.items() if "error" in spec)
FACTS = [(doc, fact) for name in GOOD for doc in EXPECTED[name]["documents"] for fact in doc["facts"]]


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("news-corpus")
    for name in GOOD + BAD:
        shutil.copy(FIXTURES / name, corpus / name)
    settings = make_settings(corpus, tmp_path_factory.mktemp("news-index"), api_key=API_KEY, top_k=5)
    with TestClient(create_app(settings)) as client:
        wait_ready(client)
        client.headers["Authorization"] = f"Bearer {API_KEY}"
        yield client


def url(name: str) -> str:
    return "/v1/documents/" + quote(name, safe="/")


def test_documents_carry_their_metadata(news):
    listed = {d["name"]: d for d in news.get("/v1/documents").json()}
    for name in GOOD:
        for doc in EXPECTED[name]["documents"]:
            got = listed[doc["name"]]
            assert {k: got[k] for k in ("title", "published", "outlet", "author", "url", "format")} == \
                   {k: doc[k] for k in ("title", "published", "outlet", "author", "url", "format")}, doc["name"]
            assert got["source"] == name
    assert not set(BAD) & {d["source"] for d in listed.values()}  # refused files are not indexed


@pytest.mark.parametrize("doc,fact", FACTS, ids=[f"{d['name']}:{f['answer']}" for d, f in FACTS])
def test_each_fact_is_answered_with_a_verifiable_citation(news, doc, fact):
    result = news.post("/v1/ask", json={"question": fact["question"]}).json()
    assert result["answers"], result
    top = result["answers"][0]
    assert normalize_answer(fact["answer"]) in normalize_answer(top["text"]) or \
        normalize_answer(top["text"]) in normalize_answer(fact["answer"]), (fact, top["text"])
    cited = [c for c in top["citations"] if c["file"] == doc["name"]]
    assert cited, top
    for c in top["citations"]:
        text = news.get(url(c["file"])).json()["text"]
        assert text[c["start"]:c["end"]] == top["text"]
    c = cited[0]
    assert c["document"] == {"name": doc["name"], "title": doc["title"], "published": doc["published"],
                             "outlet": doc["outlet"], "url": doc["url"]}
    if doc["url"]:
        assert c["link"].startswith(doc["url"] + "#:~:text=")
    else:
        assert c["link"] is None


def test_the_original_bytes_are_served(news):
    for name in GOOD:
        doc = EXPECTED[name]["documents"][0]["name"]
        response = news.get(url(doc), params={"format": "original"})
        assert response.status_code == 200 and response.content == (FIXTURES / name).read_bytes()
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", BAD)
def test_bad_files_are_refused_on_upload_with_the_reason(news, name):
    error = assert_error(news.post("/v1/documents", files={"file": (name, (FIXTURES / name).read_bytes())}), 400)
    assert error["code"] == "invalid_document" and name in error["message"]


def test_upload_every_format_by_suffix_or_format_field(news):
    page = (FIXTURES / "harbor-bridge.html").read_bytes()
    created = news.post("/v1/documents", files={"file": ("bridge-copy", page, "text/html")})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "bridge-copy.html" and created.json()["documents"] == ["bridge-copy.html"]
    body = {"name": "wire-copy", "text": (FIXTURES / "wire.rss").read_text(encoding="utf-8"), "format": "rss"}
    feed = news.post("/v1/documents", json=body)
    assert feed.status_code == 201 and all(d.startswith("wire-copy.rss#") for d in feed.json()["documents"])
    assert_error(news.delete(url(feed.json()["documents"][0])), 400)  # one article of a feed: delete the feed
    assert news.delete(url("wire-copy.rss")).status_code == 200
    names = {d["name"] for d in news.get("/v1/documents").json()}
    assert "bridge-copy.html" in names and not any(n.startswith("wire-copy.rss") for n in names)
    assert news.delete(url("bridge-copy.html")).status_code == 200


def test_date_and_outlet_filters(news):
    question = {"question": "How much did the Alder Street Bridge retrofit cost?"}
    late = news.post("/v1/ask", json={**question, "published_after": "2025-03-15"}).json()
    assert all(c["document"]["published"] >= "2025-03-15" for a in late["answers"] for c in a["citations"])
    assert late["filters"]["excluded_unknown_date"] >= 0
    on_day = news.post("/v1/ask", json={**question, "published_after": "2025-03-14",
                                        "published_before": "2025-03-14"}).json()
    assert on_day["answers"] and on_day["answers"][0]["citations"][0]["file"] == "harbor-bridge.html"
    outlet = news.post("/v1/ask", json={**question, "outlets": ["the coastal ledger"]}).json()
    assert {c["document"]["outlet"] for a in outlet["answers"] for c in a["citations"]} == {"The Coastal Ledger"}
    assert_error(news.post("/v1/ask", json={**question, "published_after": "2025-02-30"}), 422)
