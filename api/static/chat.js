// The chat page: send the question, render answers with their highlighted citations.
"use strict";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const button = document.getElementById("ask-button");
const conversation = document.getElementById("conversation");
const statusLine = document.getElementById("status");

function formatDate(iso) {
  // "2025-11-07" -> "7 Nov 2025" (the date as published, no time zone shift); year unknown: "--05-20" -> "20 May", "--05" -> "May"
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const month = /^--(\d{2})$/.exec(iso || "");  // a month without its year
  if (month) return months[Number(month[1]) - 1] || null;
  const match = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!match) return null;
  const day = Number(match[3]) + " " + months[Number(match[2]) - 1];
  return match[1] === "-" ? day : day + " " + match[1];
}

function sourceLabel(doc) {
  // outlet · date · title; the file name when nothing else is known
  const parts = [doc.outlet, formatDate(doc.published), doc.title].filter(Boolean);
  return parts.length ? parts.join(" · ") : doc.name;
}

function renderCitation(citation) {
  const inContextStart = citation.start - citation.context_start;
  const inContextEnd = citation.end - citation.context_start;
  const doc = citation.document || {name: citation.file};
  const link = el("a", {class: "source-link", href: viewUrl(citation.file, citation.start, citation.end),
                        title: citation.file + " [" + citation.start + "–" + citation.end + "]"}, sourceLabel(doc));
  const original = /^https?:\/\//i.test(citation.link || "") ? el("a", {class: "original-link", href: citation.link, rel: "noopener noreferrer",
                                            target: "_blank"}, "original page") : null;
  return el("li", {class: "citation"},
    el("blockquote", {class: "context"}, highlighted(citation.context, inContextStart, inContextEnd)),
    el("p", {class: "source"}, "Source: ", link, original ? " · " : null, original));
}

function eventLabel(answer) {
  // "7 Nov 2025 — " for an answer dated to a day; the ISO range otherwise
  if (!answer.event_date) return null;
  return el("span", {class: "event-date", title: "when the event this answer reports happened"},
    (formatDate(answer.event_date) || answer.event_date) + " — ");
}

function askedRange(matched) {
  // the day or range the question names; without its year when the question gave none
  const label = formatDate(matched.range) || matched.range;
  return matched.year_known ? label : label.replace(/[ -]?\d{4}$/, "").replace(/^\d{4}-/, "") + ", any year";
}

function timeBadge(answer) {
  if (answer.time_match === true) return el("span", {class: "badge match"}, "matches the date asked");
  if (answer.time_match === false) return el("span", {class: "badge other-event"}, "another event");
  return null;
}

function renderAnswer(answer, rank) {
  const articles = new Set(answer.citations.map((c) => c.file)).size;
  return el("article", {class: "answer" + (answer.time_match === false ? " other" : ""), "aria-label": "Answer " + rank},
    el("p", {class: "answer-head"},
      eventLabel(answer),
      el("span", {class: "answer-text"}, answer.text),
      el("span", {class: "articles"}, " (" + articles + (articles === 1 ? " article)" : " articles)")),
      timeBadge(answer),
      el("span", {class: "score", title: rank === 1 ? "estimated chance that this answer is exactly right, 0 to 1" : "score, 0 to 1 (higher is better)"}, "score " + answer.score.toFixed(2))),
    el("ol", {class: "citations", "aria-label": "Citations"}, ...answer.citations.map(renderCitation)));
}

function renderOtherEvents(result) {
  // answers the question's date ruled out: the same kind of event on other days, folded
  const others = result.other_events || [];
  if (!others.length) return null;
  return el("details", {class: "other-events"},
    el("summary", {}, "Other events (" + others.length + ")"),
    ...others.map((a, i) => renderAnswer(a, "other " + (i + 1))));
}

function renderRunnerUp(result) {
  // the best answer that was not returned: folded, for transparency
  if (!result.runner_up) return null;
  return el("details", {class: "runner-up"},
    el("summary", {}, "Runner-up (not an answer: it scored too low)"),
    renderAnswer(result.runner_up, "runner-up"));
}

function renderResult(result) {
  if (!result.answers.length) {
    const na = result.no_answer;
    return el("div", {class: "reply no-answer"},
      el("p", {class: "no-answer-text"}, result.matched_time ?
        "No answer found in the articles for “" + result.matched_time.text + "”." : "No answer found in the articles."),
      na && na.score > 0 ? el("p", {class: "detail"}, "Best candidate scored " + na.score.toFixed(2) +
        ", below the threshold of " + na.threshold.toFixed(2) + ".") :
        (result.other_events || []).length ? el("p", {class: "detail"},
          "The articles report this only for other dates (below).") : null,
      renderOtherEvents(result));
  }
  const asked = result.matched_time ? el("p", {class: "detail matched-time"},
    "Asked about: “" + result.matched_time.text + "”" +
    (result.matched_time.range ? " (" + askedRange(result.matched_time) + ")" : "")) : null;
  return el("div", {class: "reply answers"}, asked, ...result.answers.map((a, i) => renderAnswer(a, i + 1)),
    renderOtherEvents(result), renderRunnerUp(result),
    el("p", {class: "detail"}, "Answered in " + Math.round(result.timings_ms.total) + " ms."));
}

async function ask(question) {
  const hint = document.getElementById("empty-hint");
  if (hint) hint.remove();
  const turn = el("section", {class: "turn"}, el("p", {class: "question"}, el("span", {class: "who"}, "You: "), question));
  const pending = el("p", {class: "pending"}, "Searching the articles…");
  turn.append(pending);
  conversation.append(turn);
  turn.scrollIntoView({block: "end"});
  button.disabled = true;
  statusLine.textContent = "Searching…";
  try {
    const response = await fetch("/v1/ask", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({question}),
    });
    pending.remove();
    if (!response.ok) {
      turn.append(el("p", {class: "reply error", role: "alert"}, "Error: " + await errorMessage(response)));
    } else {
      turn.append(renderResult(await response.json()));
    }
  } catch (err) {
    pending.remove();
    turn.append(el("p", {class: "reply error", role: "alert"}, "Error: could not reach the server (" + err + ")"));
  } finally {
    button.disabled = false;
    statusLine.textContent = "";
    turn.scrollIntoView({block: "start"});  // the question and the best answer first
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (!question || button.disabled) return;
  input.value = "";
  ask(question).finally(() => input.focus());
});

input.focus();
