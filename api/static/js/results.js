// The search itself: running it, the result list and the welcome, empty, no-result and error states.

import { KINDS, els, h, kindIcon, markedText, stateBox } from "./dom.js";
import { clearFilters, renderFacets, renderTimeline } from "./facets.js";
import { metaLine, peopleText, plural, timeEl } from "./format.js";
import { getJson, problemText, restart } from "./http.js";
import { hidePanels, scheduleSlowPanels } from "./panels.js";
import {
  PAGE,
  activeFilters,
  app,
  baseFacets,
  inflight,
  saveUrl,
  searchKey,
  searchParams,
  state,
  urlFor,
} from "./state.js";
import { openDocument } from "./viewer.js";

const DEBOUNCE_MS = 100;

let typingTimer = 0;

export async function loadStoreInfo() {
  try {
    const status = await getJson("/status");
    if (status.signed_in_as !== undefined) {
      // counts of the whole store are for admins; others are told who they are
      els.storeInfo.textContent = `Signed in as ${status.signed_in_as}`;
      return;
    }
    const docs = status.documents ?? 0;
    els.storeInfo.textContent = docs
      ? `Searching ${plural(docs, "document")} and conversations from ${plural(status.sources ?? 0, "source")} · ${plural(status.people ?? 0, "person", "people")}`
      : "Nothing has been ingested yet.";
    app.storeEmpty = !docs;
    if (app.storeEmpty && !state.q) renderEmptyStore(null);
  } catch {
    els.storeInfo.textContent = "";
  }
}

export function scheduleSearch() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => runSearch(), DEBOUNCE_MS);
}

export async function runSearch() {
  clearTimeout(typingTimer);
  const key = `${searchKey(state)}|${app.k}`;
  if (state.q.trim() && key === app.pendingKey) return; // the same search is on its way
  const seq = ++app.searchSeq;
  scheduleSlowPanels(seq);
  if (!state.q.trim()) {
    inflight.search?.abort();
    app.shownKey = null;
    renderWelcome();
    return;
  }
  const signal = restart("search");
  app.pendingKey = key;
  setBusy(true);
  try {
    const body = await getJson(`/search?${searchParams()}`, { signal });
    if (seq !== app.searchSeq) return;
    app.shownKey = key;
    renderResults(body);
  } catch (err) {
    if (err.name === "AbortError" || seq !== app.searchSeq) return;
    app.shownKey = null;
    renderProblem(err);
  } finally {
    if (seq === app.searchSeq) {
      setBusy(false);
      app.pendingKey = null;
    }
  }
}

/** Whether the results on screen (or on their way) are already those of the current state:
 * pressing Enter then keeps them, and the focus a reader has moved into them. */
export function searchIsCurrent() {
  const key = `${searchKey(state)}|${app.k}`;
  return key === app.shownKey || key === app.pendingKey;
}

/** The live status line; hidden visually when a state box already says the same. */
function setStatus(text, visible = true) {
  els.status.textContent = text;
  els.status.classList.toggle("visually-hidden", !visible);
}

function setBusy(busy) {
  document.body.classList.toggle("busy", busy);
  els.results.setAttribute("aria-busy", String(busy));
}

function clearMain() {
  els.results.replaceChildren();
  els.state.replaceChildren();
  els.more.hidden = true;
  els.timeline.hidden = true;
}

export function renderWelcome() {
  app.lastSearch = null;
  if (app.storeEmpty) return renderEmptyStore(null);
  clearMain();
  hidePanels();
  setStatus("");
  renderFacets(null);
  els.state.append(stateBox("welcome", "search", "Find what was said",
    h("p", { text: "Search meeting notes, memos, chat threads, email and meeting transcripts. Type a few words, or ask a question." }),
    h("ul", { class: "tips" },
      h("li", {}, h("kbd", { text: "/" }), " jumps to the search box"),
      h("li", {}, h("kbd", { text: "↑" }), " ", h("kbd", { text: "↓" }), " move through results"),
      h("li", {}, h("kbd", { text: "Enter" }), " opens the conversation or document"))));
}

function renderEmptyStore(notice) {
  clearMain();
  hidePanels();
  renderFacets(null);
  setStatus("Nothing has been ingested yet.", false);
  els.state.append(stateBox("empty", "inbox", "Nothing to search yet",
    h("p", { text: "Watercooler hasn't ingested any meeting notes, memos, chats, email or transcripts. Once an administrator runs the ingest, results will show up here." }),
    notice
      ? h("p", { class: "fine notice", text: notice })
      : h("p", { class: "hint" }, "To ingest: ", h("code", { text: "watercooler ingest PATH" }))));
}

function renderProblem(err) {
  app.lastSearch = null;
  clearMain();
  const { title, text } = problemText(err);
  setStatus(title, false);
  els.state.append(stateBox("error", "alert", title, h("p", { text }),
    h("button", { class: "button", type: "button", onclick: () => runSearch() }, "Try again")));
}

function renderResults(body) {
  app.lastSearch = body;
  app.storeEmpty = Boolean(body.notice) && !body.hits.length;
  clearMain();
  if (body.notice && !body.hits.length) {
    renderEmptyStore(body.notice);
    return;
  }
  if (!activeFilters()) baseFacets.set(state.q.trim(), body.facets);
  renderFacets(body.facets);
  const hits = dedupe(body.hits);
  const q = state.q.trim();
  if (!hits.length) {
    const filtered = activeFilters() > 0;
    setStatus(`No results for “${q}”${filtered ? " with these filters" : ""}.`, false);
    els.state.append(stateBox("none", "search", `No results for “${q}”`,
      h("p", { text: filtered
        ? "Nothing matches with the filters you picked. Try a wider date range or fewer filters."
        : "Try other words, fewer words, or a name or project." }),
      filtered ? h("button", { class: "button", type: "button", onclick: clearFilters }, "Clear filters") : null));
    return;
  }
  setStatus(`${plural(hits.length, "result")} for “${q}”${activeFilters() ? " (filtered)" : ""}`);
  renderTimeline(body.facets);
  hits.forEach((hit, i) => els.results.append(resultItem(hit, i)));
  els.more.hidden = !(body.hits.length >= app.k && app.k < 100);
}

function dedupe(hits) {
  const seen = new Set();
  return hits.filter((hit) => !seen.has(hit.doc_id) && seen.add(hit.doc_id));
}

function resultItem(hit, index) {
  const where = hit.channel || (hit.heading && hit.heading !== hit.title ? hit.heading : "");
  const snippet = hit.highlights?.length ? markedText(hit.highlights[0]) : hit.snippet;
  const href = urlFor({ ...state, open: hit.doc_id, chunk: hit.chunk_id, profile: "" });
  const titleId = `result-${index}-title`;
  return h("li", { class: "result" },
    h("article", { "aria-labelledby": titleId },
      kindIcon(hit.kind),
      h("div", { class: "result-body" },
        h("h3", { class: "result-title", id: titleId },
          h("a", {
            href, class: "result-link", data: { index: String(index), focusKey: `result:${hit.doc_id}` },
            onclick: (e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button) return;
              e.preventDefault();
              openDocument(hit.doc_id, { chunk: hit.chunk_id });
            },
          }, hit.title)),
        metaLine(
          h("span", { class: "meta-kind", text: KINDS[hit.kind] || hit.kind }),
          where ? h("span", { class: "meta-where", text: where }) : null,
          hit.date ? timeEl(hit.date) : null,
          hit.people?.length ? h("span", { class: "meta-people", title: hit.people.join(", "), text: peopleText(hit.people) }) : null),
        h("p", { class: "snippet" }, snippet))));
}

export function focusResult(index) {
  const links = [...els.results.querySelectorAll(".result-link")];
  if (!links.length) return false;
  const link = links[Math.max(0, Math.min(index, links.length - 1))];
  link.focus();
  link.scrollIntoView({ block: "nearest" });
  return true;
}

export function searchFor(text) {
  state.q = text;
  els.q.value = text;
  app.k = PAGE;
  saveUrl(true, { committed: true });
  runSearch();
}
