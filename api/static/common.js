// Helpers shared by the chat page and the source view. Text is only ever inserted as text nodes.
"use strict";

/* Offsets from the API count Unicode code points (Python str indices); JS strings count UTF-16
   units, so slice by code points to highlight the right characters even after emoji. */
function codePointSlices(text, start, end) {
  const chars = Array.from(text);
  return [chars.slice(0, start).join(""), chars.slice(start, end).join(""), chars.slice(end).join("")];
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/* before + <mark>span</mark> + after, as a DocumentFragment of text nodes. */
function highlighted(text, start, end, markAttrs) {
  const [before, span, after] = codePointSlices(text, start, end);
  const fragment = document.createDocumentFragment();
  fragment.append(document.createTextNode(before), el("mark", markAttrs || {}, span), document.createTextNode(after));
  return fragment;
}

function documentUrl(name) {
  return "/v1/documents/" + name.split("/").map(encodeURIComponent).join("/");
}

function viewUrl(name, start, end) {
  return "/view/" + name.split("/").map(encodeURIComponent).join("/") +
    "?start=" + encodeURIComponent(start) + "&end=" + encodeURIComponent(end);
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch (_) { /* not JSON */ }
  return "the server answered " + response.status;
}
