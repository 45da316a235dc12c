// The source view: fetch the original article and highlight (and scroll to) the cited span.
"use strict";

(async function showSource() {
  const title = document.getElementById("doc-title");
  const info = document.getElementById("span-info");
  const container = document.getElementById("document");
  let name;
  try {
    name = decodeURIComponent(location.pathname.replace(/^\/view\//, ""));
  } catch (_) {
    info.textContent = "This link does not name a valid document.";
    return;
  }
  title.textContent = name;
  document.title = "citeqa: " + name;
  const params = new URLSearchParams(location.search);
  const start = params.has("start") ? Number(params.get("start")) : null;
  const end = params.has("end") ? Number(params.get("end")) : null;

  const response = await fetch(documentUrl(name)).catch(() => null);
  if (!response || !response.ok) {
    info.textContent = "Could not load the document: " + (response ? await errorMessage(response) : "server unreachable");
    return;
  }
  const doc = await response.json();
  const length = Array.from(doc.text).length;
  const valid = Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= length;
  if (!valid) {
    container.append(el("pre", {class: "text"}, doc.text));
    if (start !== null || end !== null) info.textContent = "The cited span is not inside this document.";
    return;
  }
  container.append(el("pre", {class: "text"}, highlighted(doc.text, start, end, {id: "cited", tabindex: "-1"})));
  info.textContent = "Cited characters " + start + "–" + end + " are highlighted.";
  const mark = document.getElementById("cited");
  mark.scrollIntoView({block: "center"});
  mark.focus({preventScroll: true});
})();
