"""The chat page in a real browser: Debian's Chromium driven by Playwright against ``citeqa serve``.

Two real server processes over one temporary copy of seeds/: one forced into the "answer" state and
one into the "no answer" state (see ``CITEQA_NO_ANSWER_THRESHOLD`` below), so the page is tested
in both states whatever the reader checkpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.live_server import Server, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
MISSILE_QUESTION = "How far did the missile fly on November 7?"
NO_ANSWER_QUESTION = "What is the boiling point of mercury?"
# a screenshot of the chat page; `CITEQA_SCREENSHOT=docs/chat.png make test` refreshes the README's
SCREENSHOT = Path(os.environ.get("CITEQA_SCREENSHOT", tempfile.gettempdir() + "/citeqa-chat.png"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    (root / "corpus").mkdir()
    for f in [*SEEDS.glob("*.txt"), *SEEDS.glob("*.meta.json")]:  # the articles and their metadata sidecars
        shutil.copy(f, root / "corpus" / f.name)
    return root


@pytest.fixture(scope="module")
def answering_server(workdir) -> Iterator[Server]:
    # threshold 0.0 guarantees the "answer" state (answer quality is tested in test_api/eval, not here)
    server = start_server(workdir / "corpus", workdir / "index", workdir / "answering.log", threshold="0.0")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def silent_server(workdir) -> Iterator[Server]:
    # threshold 1.0 guarantees the "no answer" state
    server = start_server(workdir / "corpus", workdir / "index", workdir / "silent.log", threshold="1.0")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.problems = []  # console errors (CSP violations included) and uncaught exceptions
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def ask(page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    page.locator(".turn").last.locator(".reply").wait_for(timeout=120_000)


def in_viewport(locator) -> bool:
    return locator.evaluate("el => { const r = el.getBoundingClientRect();"
                            " return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }")


def api_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def test_answer_citation_and_source_view(answering_server, page):
    page.goto(answering_server.url + "/")
    assert page.locator("#conversation").get_attribute("aria-live") == "polite"
    ask(page, MISSILE_QUESTION)
    turn = page.locator(".turn").last
    assert turn.locator(".question").inner_text().endswith(MISSILE_QUESTION)
    answer = turn.locator(".answer").first
    answer_text = answer.locator(".answer-text").inner_text()
    assert answer_text and "score" in answer.locator(".score").inner_text()
    mark = answer.locator(".citation mark").first
    assert mark.inner_text() == answer_text
    assert answer.locator(".citation blockquote").first.inner_text().count(answer_text) >= 1
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOT), full_page=False)

    link = answer.locator("a.source-link").first
    href = link.get_attribute("href")
    assert href.startswith("/view/") and "start=" in href and "end=" in href
    link.click()
    page.wait_for_url("**/view/**")
    cited = page.locator("mark#cited")
    cited.wait_for()
    assert cited.inner_text() == answer_text
    name = page.locator("#doc-title").inner_text()
    original = (answering_server.corpus / name).read_bytes().decode("utf-8")
    start, end = (int(v.split("=")[1]) for v in href.split("?")[1].split("&"))
    assert original[start:end] == answer_text
    assert page.locator("#document").inner_text().replace("\n", "") == original.replace("\n", "")
    page.wait_for_function("() => { const r = document.getElementById('cited').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert in_viewport(cited)
    assert page.problems == []


def test_no_answer_state(silent_server, page):
    page.goto(silent_server.url + "/")
    ask(page, NO_ANSWER_QUESTION)
    reply = page.locator(".turn").last.locator(".reply")
    assert "No answer found in the articles" in reply.inner_text()
    assert page.locator(".turn .answer").count() == 0
    assert page.problems == []


def test_a_day_with_no_event_shows_the_other_events(answering_server, page):
    # the day rule: even at threshold 0 nothing is answered for a day the articles report no launch on
    page.goto(answering_server.url + "/")
    ask(page, "How far did the missile fly on March 15, 2024?")
    reply = page.locator(".turn").last.locator(".reply")
    text = reply.inner_text()
    assert "No answer found in the articles for “on March 15, 2024”" in text
    assert "only for other dates" in text and "Best candidate scored" not in text
    assert page.locator(".turn .reply > .answer").count() == 0
    others = reply.locator("details.other-events")
    assert others.count() == 1 and "Other events" in others.locator("summary").inner_text()
    assert page.problems == []


def test_questions_are_shown_as_text_not_html(answering_server, page):
    page.goto(answering_server.url + "/")
    hostile = '<img src=x onerror="window.pwned=1"> <b>missile</b>?'
    ask(page, hostile)
    assert page.locator(".turn .question").last.inner_text().endswith(hostile)
    assert page.locator("#conversation img, #conversation b").count() == 0
    assert page.evaluate("() => window.pwned === undefined")


def test_narrow_window(answering_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(answering_server.url + "/")
        ask(page, MISSILE_QUESTION)
        assert page.locator(".turn .answer").count() >= 1
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert page.get_by_role("button", name="Ask").is_visible()
    finally:
        context.close()


def test_source_view_reports_bad_links(answering_server, page):
    page.goto(answering_server.url + "/view/no-such-article.txt?start=0&end=4")
    page.wait_for_function("() => document.getElementById('span-info').textContent.length > 0")
    assert "Could not load the document" in page.locator("#span-info").inner_text()
    name = api_json(answering_server.url + "/v1/documents")[0]["name"]
    page.goto(f"{answering_server.url}/view/{name}?start=5&end=999999999")
    page.wait_for_function("() => document.getElementById('span-info').textContent.length > 0")
    assert "not inside this document" in page.locator("#span-info").inner_text()
    assert page.locator("mark").count() == 0


def test_api_docs_work_offline(answering_server, page):
    """/docs is Swagger UI served by the app itself (no CDN), under a CSP, listing every endpoint."""
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(answering_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    response = page.goto(answering_server.url + "/docs")
    assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/v1/ask", "/v1/documents", "/readyz"} <= {p.replace("\u200b", "") for p in paths}
    assert outside == [] and page.problems == []


def test_runner_up_is_shown_folded(answering_server, page):
    """A question whose API answer has a runner-up shows it folded, below the answers."""
    candidates = ["Which aircraft carrier arrived in Busan?", "At what time was the ICBM launched?",
                  "Who is the Japanese Prime Minister who spoke to reporters about the launch?",
                  "How far could a North Korean ICBM travel if launched at a standard angle?", MISSILE_QUESTION]
    chosen = None
    for question in candidates:
        request = urllib.request.Request(answering_server.url + "/v1/ask", data=json.dumps({"question": question}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        if body["runner_up"] and body["answers"]:
            chosen = (question, body)
            break
    assert chosen is not None, "none of the questions has a runner-up"
    question, body = chosen
    page.goto(answering_server.url + "/")
    ask(page, question)
    folded = page.locator(".turn").last.locator("details.runner-up")
    assert folded.count() == 1 and not folded.get_attribute("open")
    folded.locator("summary").click()
    assert body["runner_up"]["text"] in folded.inner_text()
    assert page.locator(".turn").last.locator(".answer-text").first.inner_text() == body["answers"][0]["text"]
