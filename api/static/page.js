// Watercooler search page. Plain ES module, no dependencies, nothing fetched from elsewhere.
// Everything put in the DOM is built with createElement/textContent; the only markup taken
// from the server is the <mark> tags inside search highlights (see markedText).

const KINDS = {
  meeting_notes: "Meeting notes",
  memo: "Memo",
  chat: "Chat",
  email: "Email",
  transcript: "Transcript",
};
const CONVERSATIONS = new Set(["chat", "email", "transcript"]);
const PAGE = 20;
const DEBOUNCE_MS = 100;
const SLOW_DEBOUNCE_MS = 450; // answers and experts are costlier than search
const WINDOW = 8; // messages either side of the match shown when a thread is long
const FACET_ROWS = 8;
const STOPWORDS = new Set(`a an and are as at be but by did do does for from had has have how
  i in is it its of on or our so that the their them there they this to was we were what when
  where which who why will with you your about into any can could should would`.split(/\s+/));
const QUESTION = /^(who|whom|whose|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could|should|would|will|has|have|had)\b/i;

const $ = (id) => document.getElementById(id);
const els = {
  form: $("search-form"), q: $("q"), status: $("status"), results: $("results"),
  state: $("state"), more: $("more"), facets: $("facets"), filters: $("filters"),
  filtersToggle: $("filters-toggle"), filtersCount: $("filters-count"),
  clearFilters: $("clear-filters"), answer: $("answer"), experts: $("experts"),
  timeline: $("timeline"), viewer: $("viewer"), storeInfo: $("store-info"),
};

let state = readUrl();
let k = PAGE;
let features = { ask: false, experts: false, people: false };
let featuresReady = null;
let lastSearch = null; // the last SearchResults body rendered
const baseFacets = new Map(); // query -> facets without filters; "timeline:…" -> months without dates
const expandedFacets = new Set();
const inflight = { search: null, ask: null, experts: null, dialog: null };
let searchSeq = 0;
let typingTimer = 0;
let slowTimer = 0;
let viewerReturnFocus = null;
let closingFromHistory = false;
let storeEmpty = false;

// ---------------------------------------------------------------- DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "data") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function icon(name, cls = "icon") {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}

function kindIcon(kind) {
  const label = KINDS[kind] || kind;
  return h("span", { class: `kind kind-${kind in KINDS ? kind : "other"}`, title: label },
    icon(kind in KINDS ? kind : "memo"), h("span", { class: "visually-hidden", text: label }));
}

function initials(name) {
  const parts = String(name || "?").split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts.length > 1 ? parts.at(-1)[0] : "")).toUpperCase();
}

function avatar(name) {
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h("span", { class: `avatar hue-${hash % 6}`, "aria-hidden": "true", text: initials(name) });
}

/** Server highlight HTML -> DOM: text is entity-decoded, only <mark> survives as an element. */
function markedText(html) {
  const frag = document.createDocumentFragment();
  let mark = null;
  for (const part of String(html).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") frag.append((mark = h("mark")));
    else if (part === "</mark>") mark = null;
    else if (part) (mark || frag).append(decodeEntities(part));
  }
  return frag;
}

function decodeEntities(text) {
  const named = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, ent) => {
    if (ent[0] !== "#") return named[ent.toLowerCase()];
    const code = ent[1].toLowerCase() === "x" ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
    return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
  });
}

// ---------------------------------------------------------------- query terms (as the server)

function queryTerms(query) {
  const words = (String(query).match(/[\p{L}\p{N}_][\p{L}\p{N}_'-]*/gu) || [])
    .map((w) => w.toLowerCase().replace(/^['-]+|['-]+$/g, ""));
  return [...new Set(words.filter((w) => w && !STOPWORDS.has(w)))];
}

function termRegex(terms) {
  if (!terms.length) return null;
  const parts = terms.map((t) => {
    const stem = t.length <= 4 ? t : t.slice(0, Math.max(4, t.length - 2));
    return `(?<![\\p{L}\\p{N}_])${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\p{L}\\p{N}_]*`;
  });
  return new RegExp(parts.join("|"), "giu");
}

/** Plain text -> DOM with the query's words in <mark>. */
function highlightTerms(text, regex) {
  const frag = document.createDocumentFragment();
  if (!regex) {
    frag.append(text);
    return frag;
  }
  let last = 0;
  for (const m of String(text).matchAll(regex)) {
    frag.append(text.slice(last, m.index), h("mark", { text: m[0] }));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

function overlap(text, terms) {
  return terms.filter((t) => termRegex([t]).test(text)).length;
}

// ---------------------------------------------------------------- formatting

const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", timeZone: "UTC" });
const shortMonth = new Intl.DateTimeFormat(undefined, { month: "short", timeZone: "UTC" });

function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? null : d;
}
function formatDay(iso) {
  const d = toDate(iso);
  return d ? dayFormat.format(d) : "";
}
function timeEl(iso) {
  return iso ? h("time", { datetime: iso.slice(0, 10), text: formatDay(iso) }) : null;
}
function monthEnd(ym) {
  const [y, m] = ym.split("-").map(Number);
  return `${ym}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}
function peopleText(people, max = 3) {
  const shown = people.slice(0, max).join(", ");
  return people.length > max ? `${shown} +${people.length - max}` : shown;
}
/** A line of facts separated by dots; it wraps between facts, never inside a date. */
function metaLine(...items) {
  const line = h("p", { class: "meta" });
  items.filter(Boolean).forEach((item, i) => line.append(...(i ? [" ", item] : [item])));
  return line;
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------- URL state

function readUrl() {
  const p = new URLSearchParams(location.search);
  return {
    q: p.get("q") || "",
    kind: p.getAll("kind"),
    channel: p.getAll("channel"),
    person: p.get("person") || "",
    since: p.get("since") || "",
    until: p.get("until") || "",
    open: p.get("open") || "",
    chunk: p.get("chunk") || "",
    profile: p.get("profile") || "",
  };
}

function urlFor(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  for (const v of s.kind) p.append("kind", v);
  for (const v of s.channel) p.append("channel", v);
  for (const key of ["person", "since", "until", "open", "chunk", "profile"]) if (s[key]) p.set(key, s[key]);
  const qs = p.toString();
  return qs ? `/?${qs}` : "/";
}

function saveUrl(push = false, extra = null) {
  const url = urlFor(state);
  if (url === location.pathname + location.search && !extra) return;
  history[push ? "pushState" : "replaceState"](extra, "", url);
}

function searchKey(s) {
  return JSON.stringify([s.q.trim(), s.kind, s.channel, s.person, s.since, s.until]);
}

function activeFilters() {
  return state.kind.length + state.channel.length + (state.person ? 1 : 0) + (state.since || state.until ? 1 : 0);
}

function searchParams(extra = {}) {
  const p = new URLSearchParams({ q: state.q.trim(), k: String(k), ...extra });
  for (const v of state.kind) p.append("kind", v);
  for (const v of state.channel) p.append("channel", v);
  for (const key of ["person", "since", "until"]) if (state[key]) p.set(key, state[key]);
  return p;
}

// ---------------------------------------------------------------- fetching

class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function getJson(url, { signal, method = "GET", body } = {}) {
  const res = await fetch(url, {
    method,
    signal,
    headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new HttpError(res.status, data);
  return data;
}

function restart(name) {
  inflight[name]?.abort();
  inflight[name] = new AbortController();
  return inflight[name].signal;
}

function problemText(err) {
  if (err instanceof HttpError) {
    const detail = err.body?.detail;
    if (err.status === 422 && Array.isArray(detail)) {
      return { title: "Those filters don't work together", text: detail.map((d) => d.msg).join("; ") + "." };
    }
    if (err.status === 404) return { title: "Not found", text: typeof detail === "string" ? detail : "It may have been removed since the last search." };
    return {
      title: "Search is having trouble",
      text: `The server answered with an error (${err.status}). ${typeof detail === "string" ? detail : "Please try again in a moment."}`,
    };
  }
  return {
    title: "Can't reach Watercooler",
    text: "The search server isn't answering. It may be restarting or your connection dropped; try again in a moment.",
  };
}

async function detectFeatures() {
  try {
    const spec = await getJson("/openapi.json");
    const paths = spec?.paths || {};
    features = {
      ask: Boolean(paths["/ask"]?.post),
      experts: Boolean(paths["/experts"]?.get),
      people: Boolean(paths["/people/{person_id}"]?.get),
    };
  } catch {
    features = { ask: false, experts: false, people: false };
  }
  document.documentElement.dataset.features = Object.keys(features).filter((f) => features[f]).join(" ");
}

async function loadStoreInfo() {
  try {
    const status = await getJson("/status");
    const docs = status.documents ?? 0;
    els.storeInfo.textContent = docs
      ? `Searching ${plural(docs, "document")} and conversations from ${plural(status.sources ?? 0, "source")} · ${plural(status.people ?? 0, "person", "people")}`
      : "Nothing has been ingested yet.";
    storeEmpty = !docs;
    if (storeEmpty && !state.q) renderEmptyStore(null);
  } catch {
    els.storeInfo.textContent = "";
  }
}

// ---------------------------------------------------------------- search

function scheduleSearch() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => runSearch(), DEBOUNCE_MS);
}

async function runSearch() {
  clearTimeout(typingTimer);
  const seq = ++searchSeq;
  scheduleSlowPanels(seq);
  if (!state.q.trim()) {
    inflight.search?.abort();
    renderWelcome();
    return;
  }
  const signal = restart("search");
  setBusy(true);
  try {
    const body = await getJson(`/search?${searchParams()}`, { signal });
    if (seq !== searchSeq) return;
    renderResults(body);
  } catch (err) {
    if (err.name === "AbortError" || seq !== searchSeq) return;
    renderProblem(err);
  } finally {
    if (seq === searchSeq) setBusy(false);
  }
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

function stateBox(kind, iconName, title, ...body) {
  return h("div", { class: `state-box state-${kind}`, data: { state: kind } },
    icon(iconName, "icon state-icon"), h("h2", { text: title }), ...body);
}

function renderWelcome() {
  lastSearch = null;
  if (storeEmpty) return renderEmptyStore(null);
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
  lastSearch = null;
  clearMain();
  const { title, text } = problemText(err);
  setStatus(title, false);
  els.state.append(stateBox("error", "alert", title, h("p", { text }),
    h("button", { class: "button", type: "button", onclick: () => runSearch() }, "Try again")));
}

function renderResults(body) {
  lastSearch = body;
  storeEmpty = Boolean(body.notice) && !body.hits.length;
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
  els.more.hidden = !(body.hits.length >= k && k < 100);
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

function focusResult(index) {
  const links = [...els.results.querySelectorAll(".result-link")];
  if (!links.length) return false;
  const link = links[Math.max(0, Math.min(index, links.length - 1))];
  link.focus();
  link.scrollIntoView({ block: "nearest" });
  return true;
}

// ---------------------------------------------------------------- facets and timeline

function facetValues(name, current, selected) {
  const base = baseFacets.get(state.q.trim())?.[name] || {};
  const values = new Map(Object.entries(current?.[name] || {}));
  for (const v of [...selected, ...Object.keys(base)]) if (!values.has(v) && v) values.set(v, null);
  return [...values];
}

function renderFacets(facets) {
  const focusKey = document.activeElement?.dataset?.focusKey;
  const groups = [dateGroup()];
  if (facets || activeFilters()) {
    groups.push(checkGroup("kind", "Kind", facets, state.kind, (v) => KINDS[v] || v));
    groups.push(checkGroup("channel", "Channel or mailbox", facets, state.channel, (v) => v));
    groups.push(personGroup(facets));
  }
  els.facets.replaceChildren(...groups.filter(Boolean));
  const n = activeFilters();
  els.filtersCount.hidden = !n;
  els.filtersCount.textContent = n ? String(n) : "";
  els.clearFilters.hidden = !n;
  if (focusKey) els.facets.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function dateGroup() {
  const input = (key, label) => h("label", { class: "date-field" }, h("span", { text: label }),
    h("input", {
      type: "date", name: key, value: state[key], data: { focusKey: `date:${key}` },
      onchange: (e) => setFilter(key, e.target.value),
    }));
  return h("fieldset", { class: "facet" }, h("legend", { text: "Date" }),
    h("div", { class: "date-range" }, input("since", "From"), input("until", "To")));
}

function moreRows(name, rows) {
  if (rows.length <= FACET_ROWS + 2) return [rows, null];
  const open = expandedFacets.has(name);
  const button = h("button", {
    type: "button", class: "link-button", "aria-expanded": String(open), data: { focusKey: `more:${name}` },
    onclick: () => {
      if (open) expandedFacets.delete(name);
      else expandedFacets.add(name);
      renderFacets(lastSearch?.facets || null);
    },
  }, open ? "Show fewer" : `Show ${rows.length - FACET_ROWS} more`);
  return [open ? rows : rows.slice(0, FACET_ROWS), button];
}

function countEl(count) {
  return count == null ? null : h("span", { class: "facet-count", text: String(count) });
}

function checkGroup(name, legend, facets, selected, label) {
  const values = facetValues(name, facets, selected);
  if (!values.length) return null;
  const rows = values.map(([value, count]) => h("label", { class: "facet-row" },
    h("input", {
      type: "checkbox", name, value, checked: selected.includes(value),
      data: { focusKey: `${name}:${value}` },
      onchange: (e) => toggleFilter(name, value, e.target.checked),
    }),
    h("span", { class: "facet-label", text: label(value) }),
    countEl(count)));
  const [shown, more] = moreRows(name, rows);
  return h("fieldset", { class: "facet" }, h("legend", { text: legend }), shown, more);
}

function personGroup(facets) {
  const values = facetValues("person", facets, state.person ? [state.person] : []);
  if (!values.length) return null;
  const radio = (value, text, count) => h("label", { class: "facet-row" },
    h("input", {
      type: "radio", name: "person", value, checked: state.person === value,
      data: { focusKey: `person:${value}` },
      onchange: () => setFilter("person", value),
    }),
    h("span", { class: "facet-label", text }), countEl(count));
  const rows = values.map(([value, count]) => radio(value, value, count));
  const [shown, more] = moreRows("person", rows);
  return h("fieldset", { class: "facet" }, h("legend", { text: "Person" }), radio("", "Anyone", null), shown, more);
}

function timelineMonths(facets) {
  const dated = state.since || state.until;
  const key = JSON.stringify([state.q.trim(), state.kind, state.channel, state.person]);
  if (!dated) baseFacets.set(`timeline:${key}`, facets?.month || {});
  const months = (dated && baseFacets.get(`timeline:${key}`)) || facets?.month || {};
  return Object.keys(months).length ? timelineFrom(months) : [];
}

function barChart(months, { label, pick, isActive, focusPrefix }) {
  const max = Math.max(1, ...months.map(([, n]) => n));
  const every = months.length > 18 ? 6 : months.length > 6 ? 3 : 1;
  return h("ol", { class: "bars" }, months.map(([ym, n], i) => {
    const d = toDate(`${ym}-01`);
    const text = `${monthFormat.format(d)}: ${label(n)}`;
    const bar = h("span", { class: "bar" });
    bar.style.setProperty("--h", `${n ? Math.max(8, Math.round((n / max) * 100)) : 0}%`);
    const tick = i % every === 0 || ym.endsWith("-01")
      ? (ym.endsWith("-01") || i === 0 ? `${shortMonth.format(d)} ’${ym.slice(2, 4)}` : shortMonth.format(d))
      : "";
    const inner = [h("span", { class: "bar-track" }, bar), h("span", { class: "bar-tick", "aria-hidden": "true", text: tick })];
    return h("li", {},
      pick
        ? h("button", {
          type: "button", class: "bar-button", title: text, "aria-label": text,
          "aria-pressed": String(isActive(ym)), disabled: !n && !isActive(ym),
          data: { focusKey: `${focusPrefix}:${ym}` }, onclick: () => pick(ym),
        }, inner)
        : h("span", { class: "bar-button", title: text, role: "img", "aria-label": text }, inner));
  }));
}

function renderTimeline(facets) {
  const months = timelineMonths(facets);
  if (months.length < 2 && !(state.since || state.until)) {
    els.timeline.hidden = true;
    return;
  }
  const focusKey = document.activeElement?.dataset?.focusKey;
  const isActive = (ym) => state.since === `${ym}-01` && state.until === monthEnd(ym);
  els.timeline.replaceChildren(
    h("div", { class: "timeline-head" },
      h("h2", { id: "timeline-heading", text: "When it was discussed" }),
      h("span", { class: "fine", text: "Matches per month — pick one to filter" })),
    barChart(months, {
      label: (n) => plural(n, "match", "matches"),
      isActive,
      focusPrefix: "month",
      pick: (ym) => {
        state.since = isActive(ym) ? "" : `${ym}-01`;
        state.until = isActive(ym) ? "" : monthEnd(ym);
        filtersChanged();
      },
    }));
  els.timeline.hidden = false;
  if (focusKey) els.timeline.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function toggleFilter(name, value, on) {
  const values = state[name].filter((v) => v !== value);
  state[name] = on ? [...values, value] : values;
  filtersChanged();
}

function setFilter(name, value) {
  state[name] = value;
  filtersChanged();
}

function clearFilters() {
  Object.assign(state, { kind: [], channel: [], person: "", since: "", until: "" });
  filtersChanged();
  els.q.focus();
}

function filtersChanged() {
  k = PAGE;
  saveUrl(true, { committed: true });
  runSearch();
}

// ---------------------------------------------------------------- answer and experts panels

function isQuestion(q) {
  return /\?\s*$/.test(q) || QUESTION.test(q.trim());
}

function hidePanels() {
  inflight.ask?.abort();
  inflight.experts?.abort();
  els.answer.hidden = true;
  els.experts.hidden = true;
}

function scheduleSlowPanels(seq) {
  clearTimeout(slowTimer);
  const q = state.q.trim();
  if (!q) return hidePanels();
  slowTimer = setTimeout(async () => {
    await featuresReady;
    if (seq !== searchSeq) return;
    runAsk(q);
    runExperts(q);
  }, SLOW_DEBOUNCE_MS);
}

function filterBody() {
  const body = {};
  if (state.kind.length) body.kind = state.kind;
  if (state.channel.length) body.channel = state.channel;
  for (const key of ["person", "since", "until"]) if (state[key]) body[key] = state[key];
  return body;
}

async function runAsk(q) {
  if (!features.ask || !isQuestion(q)) {
    inflight.ask?.abort();
    els.answer.hidden = true;
    return;
  }
  const signal = restart("ask");
  els.answer.replaceChildren(panelHead("answer", "Answer"), h("p", { class: "loading", text: "Looking for an answer…" }));
  els.answer.hidden = false;
  try {
    const body = await getJson("/ask", { signal, method: "POST", body: { question: q, ...filterBody() } });
    if (signal.aborted) return;
    renderAnswer(body);
  } catch (err) {
    if (err.name === "AbortError") return;
    els.answer.replaceChildren(panelHead("answer", "Answer"),
      h("p", { class: "fine", text: `No answer right now: ${problemText(err).text}` }));
  }
}

function panelHead(name, title, extra = null) {
  return h("div", { class: "panel-head" }, icon(name === "answer" ? "answer" : "person"),
    h("h2", { id: `${name}-heading`, text: title }), extra);
}

function renderAnswer(body) {
  const citations = new Map((body.citations || []).map((c) => [Number(c.n), c]));
  if (!body.answer || !citations.size && !body.answer.trim()) {
    els.answer.hidden = true;
    return;
  }
  const cite = (n) => {
    const c = citations.get(n);
    if (!c) return `[${n}]`;
    return h("a", {
      class: "cite", href: urlFor({ ...state, open: c.doc_id, chunk: "", profile: "" }),
      "aria-label": `Source ${n}: ${c.title}`, data: { cite: String(n) },
      onclick: (e) => { e.preventDefault(); openCitation(c); },
    }, String(n));
  };
  const text = h("p", { class: "answer-text" });
  let last = 0;
  for (const m of body.answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    text.append(body.answer.slice(last, m.index));
    m[1].split(",").forEach((n) => text.append(cite(Number(n.trim()))));
    last = m.index + m[0].length;
  }
  text.append(body.answer.slice(last));
  const confidence = Number(body.confidence);
  const level = confidence >= 0.7 ? "high" : confidence >= 0.4 ? "medium" : "low";
  const mode = body.mode === "llm" ? "Written by a language model from the sources" : "Quoted from the sources";
  els.answer.replaceChildren(
    panelHead("answer", "Answer", h("span", { class: `badge confidence-${level}`, text: `${level[0].toUpperCase()}${level.slice(1)} confidence` })),
    text,
    citations.size ? h("ol", { class: "citations", "aria-label": "Sources" }, [...citations.values()].map((c) => h("li", {},
      h("span", { class: "cite-n", "aria-hidden": "true", text: String(c.n) }),
      h("div", {},
        h("a", {
          href: urlFor({ ...state, open: c.doc_id, chunk: "", profile: "" }),
          onclick: (e) => { e.preventDefault(); openCitation(c); },
        }, c.title),
        h("span", { class: "fine" }, c.date ? ` · ${formatDay(c.date)}` : "", c.people?.length ? ` · ${peopleText(c.people)}` : ""),
        c.quote ? h("q", { class: "quote", text: c.quote }) : null)))) : null,
    h("p", { class: "fine answer-mode", text: mode }));
}

function openCitation(c) {
  openDocument(c.doc_id, { locator: c.locator, quote: c.quote });
}

async function runExperts(q) {
  if (!features.experts) return;
  const signal = restart("experts");
  try {
    const body = await getJson(`/experts?${new URLSearchParams({ q })}`, { signal });
    if (signal.aborted) return;
    renderExperts(body.experts || []);
  } catch (err) {
    if (err.name !== "AbortError") els.experts.hidden = true;
  }
}

function renderExperts(experts) {
  const top = experts.slice(0, 4);
  if (!top.length) {
    els.experts.hidden = true;
    return;
  }
  els.experts.replaceChildren(panelHead("experts", "People who know about this"),
    h("ul", { class: "expert-list" }, top.map((x) => {
      const ev = x.evidence?.[0];
      return h("li", { class: "expert" },
        avatar(x.name),
        h("div", { class: "expert-body" },
          features.people
            ? h("a", {
              class: "expert-name", href: urlFor({ ...state, profile: x.person_id, open: "", chunk: "" }),
              data: { person: x.person_id },
              onclick: (e) => { e.preventDefault(); openProfile(x.person_id); },
            }, x.name)
            : h("span", { class: "expert-name", text: x.name }),
          ev ? h("p", { class: "evidence" },
            ev.quote ? h("q", { text: ev.quote }) : null, " ",
            h("a", {
              class: "evidence-link", href: urlFor({ ...state, open: ev.doc_id, chunk: "", profile: "" }),
              onclick: (e) => { e.preventDefault(); openDocument(ev.doc_id, { locator: ev.locator, quote: ev.quote }); },
            }, ev.title)) : null));
    })));
  els.experts.hidden = false;
}

// ---------------------------------------------------------------- viewer dialog

function showDialog(...content) {
  if (!els.viewer.open) {
    viewerReturnFocus = document.activeElement;
    els.viewer.replaceChildren(...content);
    els.viewer.showModal();
    document.body.classList.add("has-dialog");
  } else {
    els.viewer.replaceChildren(...content);
  }
  els.viewer.querySelector(".viewer-close")?.focus();
}

function dialogHead(kindNode, eyebrow, title, ...lines) {
  return h("header", { class: "viewer-head" }, kindNode,
    h("div", { class: "viewer-titles" },
      eyebrow ? h("p", { class: "eyebrow", text: eyebrow }) : null,
      h("h2", { id: "viewer-title", text: title }),
      lines),
    h("button", { class: "icon-button viewer-close", type: "button", "aria-label": "Close", onclick: () => els.viewer.close() }, icon("close")));
}

function dialogLoading(text) {
  return [dialogHead(null, "", "Loading…"), h("div", { class: "viewer-body" }, h("p", { class: "loading", text }))];
}

function dialogProblem(err) {
  const { title, text } = problemText(err);
  return [dialogHead(null, "", title),
    h("div", { class: "viewer-body" }, stateBox("error", "alert", title, h("p", { text })))];
}

/** Each view opened in the dialog is a history entry; state.dialog counts how deep. */
function pushDialogEntry() {
  saveUrl(true, { dialog: (history.state?.dialog || 0) + 1 });
}

async function openDocument(docId, target = {}, { push = true } = {}) {
  Object.assign(state, { open: docId, chunk: target.chunk || "", profile: "" });
  if (push) pushDialogEntry();
  const signal = restart("dialog");
  showDialog(...dialogLoading("Opening…"));
  try {
    const doc = await getJson(`/documents/${encodeURIComponent(docId)}`, { signal });
    if (signal.aborted) return;
    renderDocument(doc, target);
  } catch (err) {
    if (err.name !== "AbortError") showDialog(...dialogProblem(err));
  }
}

function targetChunk(doc, target) {
  const chunks = doc.chunks || [];
  const norm = (s) => String(s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const quote = norm(target.quote).replace(/^…\s*|\s*…$/g, "").slice(0, 80);
  return chunks.find((c) => target.chunk && c.chunk_id === target.chunk)
    || (quote && chunks.find((c) => norm(c.text).includes(quote)))
    || (target.locator && chunks.find((c) => c.locator === target.locator))
    || null;
}

function renderDocument(doc, target) {
  const terms = queryTerms(state.q);
  const regex = termRegex(terms);
  const chunk = targetChunk(doc, target);
  const conversation = CONVERSATIONS.has(doc.kind) || doc.message_count > 0;
  const people = (doc.participants || []).map((p) => p.name).filter(Boolean);
  const dates = [formatDay(doc.created), formatDay(doc.ended)].filter(Boolean);
  const when = dates.length === 2 && dates[0] !== dates[1] ? `${dates[0]} – ${dates[1]}` : dates[0];
  const meta = metaLine(
    when ? h("span", { text: when }) : null,
    conversation && doc.message_count ? h("span", { text: plural(doc.message_count, "message") }) : null);
  const withPeople = people.length
    ? h("p", { class: "people-line", title: people.join(", ") }, `${conversation ? "With" : "Attendees:"} ${peopleText(people, 4)}`)
    : null;
  const body = conversation ? conversationView(doc, chunk, terms, regex, target.quote) : sectionsView(doc, chunk, terms, regex, target.quote);
  const location = chunk?.locator ? `${chunk.source_path || doc.source_path} · ${chunk.locator}` : doc.source_path;
  showDialog(
    dialogHead(kindIcon(doc.kind), [KINDS[doc.kind] || doc.kind, doc.channel].filter(Boolean).join(" · "), doc.title, meta, withPeople),
    h("div", { class: "viewer-body", tabindex: "-1" }, body),
    h("footer", { class: "viewer-foot" }, icon("file"),
      h("span", { class: "path", title: location, text: location })));
  if (chunk) state.chunk = chunk.chunk_id;
  saveUrl(false, history.state);
  const match = els.viewer.querySelector(".is-match") || els.viewer.querySelector(".is-target");
  if (match) {
    const view = els.viewer.querySelector(".viewer-body");
    requestAnimationFrame(() => match.scrollIntoView({ block: match.offsetHeight > view.clientHeight * 0.7 ? "start" : "center" }));
  }
}

function speakerParser(doc) {
  const names = (doc.participants || []).map((p) => p.name).filter(Boolean).sort((a, b) => b.length - a.length);
  return (line) => {
    for (const name of names) if (line.startsWith(`${name}: `) || line === `${name}:`) return name;
    const m = /^([^:\n]{1,48}):\s/.exec(line);
    return m && m[1].split(/\s+/).length <= 5 && !/[.?!,;()]/.test(m[1]) ? m[1] : null;
  };
}

function joinOverlap(previous, next) {
  const probe = next.slice(0, Math.min(40, next.length));
  const at = probe.length >= 12 ? previous.lastIndexOf(probe) : -1;
  if (at >= 0 && next.startsWith(previous.slice(at))) return previous.slice(0, at) + next;
  return `${previous} ${next}`;
}

/** Conversation chunks -> messages, merging the one-message overlap between windows. */
function parseMessages(doc) {
  const speakerOf = speakerParser(doc);
  const messages = [];
  for (const chunk of doc.chunks || []) {
    const lines = chunk.text.split("\n").filter((l) => l.trim());
    lines.forEach((line, i) => {
      const last = messages.at(-1);
      const speaker = speakerOf(line);
      if (speaker == null) {
        if (!last) {
          messages.push({ speaker: "", text: line.trim(), chunks: new Set([chunk.chunk_id]), date: chunk.date });
        } else {
          last.text = i === 0 ? joinOverlap(last.text, line.trim()) : `${last.text}\n${line.trim()}`;
          last.chunks.add(chunk.chunk_id);
        }
        return;
      }
      const text = line.slice(speaker.length + 1).trim();
      if (i === 0 && last && last.speaker === speaker && last.text.endsWith(text)) {
        last.chunks.add(chunk.chunk_id);
        return;
      }
      messages.push({ speaker, text, chunks: new Set([chunk.chunk_id]), date: chunk.date });
    });
  }
  return messages;
}

function bestIndex(items, textOf, terms, quote, within = () => true) {
  const norm = (s) => String(s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const q = norm(quote).replace(/^…\s*|\s*…$/g, "").slice(0, 80);
  if (q) {
    const i = items.findIndex((item) => within(item) && norm(textOf(item)).includes(q));
    if (i >= 0) return i;
  }
  let best = -1;
  let score = -1;
  items.forEach((item, i) => {
    if (!within(item)) return;
    const s = terms.length ? overlap(textOf(item), terms) : 0;
    if (s > score) [best, score] = [i, s];
  });
  return best;
}

function conversationView(doc, chunk, terms, regex, quote) {
  const messages = parseMessages(doc);
  const match = chunk ? bestIndex(messages, (m) => `${m.speaker}: ${m.text}`, terms, quote, (m) => m.chunks.has(chunk.chunk_id)) : -1;
  const list = h("ol", { class: "messages", "aria-label": "Messages" });
  let from = 0;
  let to = messages.length;
  if (messages.length > WINDOW * 3 && match >= 0) {
    from = Math.max(0, match - WINDOW);
    to = Math.min(messages.length, match + WINDOW + 1);
  }
  let lastDay = "";
  const row = (m, i) => {
    const day = (m.date || "").slice(0, 10);
    const items = [];
    if (day && day !== lastDay) items.push(h("li", { class: "day" }, timeEl(m.date)));
    lastDay = day || lastDay;
    items.push(h("li", {
      class: `message${i === match ? " is-match" : ""}`,
      "aria-current": i === match ? "true" : null, data: { index: String(i) },
    },
    avatar(m.speaker || "?"),
    h("div", { class: "message-body" },
      h("p", { class: "speaker" }, h("strong", { text: m.speaker || "Unknown" }),
        i === match ? h("span", { class: "match-label", text: "Best match" }) : null),
      h("p", { class: "message-text" }, highlightTerms(m.text, regex)))));
    return items;
  };
  const expander = (count, earlier) => h("li", { class: "expander" }, h("button", {
    type: "button", class: "button secondary small",
    onclick: (e) => {
      const li = e.target.closest("li");
      const start = earlier ? Math.max(0, from - 20) : to;
      const end = earlier ? from : Math.min(messages.length, to + 20);
      lastDay = earlier ? "" : lastDay;
      const rows = messages.slice(start, end).flatMap((m, j) => row(m, start + j));
      if (earlier) from = start; else to = end;
      li.replaceWith(...(earlier && from > 0 ? [expander(from, true)] : []), ...rows,
        ...(!earlier && to < messages.length ? [expander(messages.length - to, false)] : []));
      rows.find((r) => r.classList.contains("message"))?.setAttribute("tabindex", "-1");
      rows.find((r) => r.classList.contains("message"))?.focus();
    },
  }, earlier ? `Show ${Math.min(20, count)} earlier of ${count}` : `Show ${Math.min(20, count)} later of ${count}`));
  if (from > 0) list.append(expander(from, true));
  messages.slice(from, to).forEach((m, j) => list.append(...row(m, from + j)));
  if (to < messages.length) list.append(expander(messages.length - to, false));
  return list;
}

function sectionsView(doc, chunk, terms, regex, quote) {
  const wrap = h("div", { class: "sections" });
  let heading = doc.title;
  let lastLine = "";
  for (const c of doc.chunks || []) {
    const isTarget = chunk && c.chunk_id === chunk.chunk_id;
    let lines = c.text.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim());
    if (lines[0] && lines[0] === lastLine) lines = lines.slice(1);
    lastLine = lines.at(-1) || lastLine;
    const section = h("section", { class: `section${isTarget ? " is-target" : ""}`, data: { chunk: c.chunk_id } });
    if (c.heading && c.heading !== heading && c.heading !== doc.title) section.append(h("h3", { text: c.heading }));
    heading = c.heading;
    const match = isTarget ? bestIndex(lines, (l) => l, terms, quote) : -1;
    lines.forEach((line, i) => section.append(h("p", {
      class: `line${/^\s*([-*•]|\d+\.|\[[ x]\])\s/.test(line) ? " item" : ""}${i === match && (terms.length || quote) ? " is-match" : ""}`,
    }, highlightTerms(line, regex))));
    wrap.append(section);
  }
  return wrap;
}

async function openProfile(personId, { push = true } = {}) {
  Object.assign(state, { profile: personId, open: "", chunk: "" });
  if (push) pushDialogEntry();
  const signal = restart("dialog");
  showDialog(...dialogLoading("Loading profile…"));
  try {
    const person = await getJson(`/people/${encodeURIComponent(personId)}`, { signal });
    if (!signal.aborted) renderProfile(person);
  } catch (err) {
    if (err.name !== "AbortError") showDialog(...dialogProblem(err));
  }
}

function identityText(identity) {
  if (identity == null) return "";
  if (typeof identity !== "object") return String(identity);
  return identity.email || identity.handle || identity.value || identity.name || Object.values(identity).filter((v) => typeof v === "string").join(" ");
}

function renderProfile(p) {
  const identities = [...new Set((p.identities || []).map(identityText).filter(Boolean))];
  const activity = Object.entries(p.activity || {}).sort(([a], [b]) => a.localeCompare(b));
  const section = (title, ...content) => h("section", { class: "profile-section" }, h("h3", { text: title }), ...content);
  const months = activity.length ? timelineFrom(Object.fromEntries(activity)) : [];
  showDialog(
    h("header", { class: "viewer-head" }, avatar(p.name),
      h("div", { class: "viewer-titles" },
        p.team ? h("p", { class: "eyebrow", text: p.team }) : h("p", { class: "eyebrow", text: "Person" }),
        h("h2", { id: "viewer-title", text: p.name }),
        identities.length ? metaLine(...identities.map((i) => h("span", { text: i }))) : null),
      h("button", { class: "icon-button viewer-close", type: "button", "aria-label": "Close", onclick: () => els.viewer.close() }, icon("close"))),
    h("div", { class: "viewer-body profile" },
      months.length ? section("Activity", h("div", { class: "profile-chart" },
        barChart(months, { label: (n) => plural(n, "message or mention", "messages or mentions") }))) : null,
      p.topics?.length ? section("Top topics", h("ul", { class: "chips" }, p.topics.map((t) => h("li", {},
        h("button", { type: "button", class: "chip", onclick: () => { els.viewer.close(); searchFor(t); } }, t))))) : null,
      p.conversations?.length ? section("Most-cited conversations", h("ul", { class: "link-list" }, p.conversations.map((c) => h("li", {},
        h("a", {
          href: urlFor({ ...state, open: c.doc_id, chunk: "", profile: "" }),
          onclick: (e) => { e.preventDefault(); openDocument(c.doc_id); },
        }, c.title), c.date ? h("span", { class: "fine" }, " · ", timeEl(c.date)) : null)))) : null,
      p.talks_with?.length ? section("Talks most with", h("ul", { class: "chips" }, p.talks_with.map((t) => h("li", { class: "chip static" },
        avatar(t.name), h("span", { text: t.name }), h("span", { class: "facet-count", text: String(t.count) }))))) : null));
}

function timelineFrom(months) {
  const keys = Object.keys(months).sort();
  const out = [];
  let [y, m] = keys[0].split("-").map(Number);
  for (let guard = 0; guard < 240; guard++) {
    const ym = `${y}-${String(m).padStart(2, "0")}`;
    out.push([ym, months[ym] || 0]);
    if (ym >= keys.at(-1)) break;
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
  return out;
}

function searchFor(text) {
  state.q = text;
  els.q.value = text;
  k = PAGE;
  saveUrl(true, { committed: true });
  runSearch();
}

function onDialogClose() {
  document.body.classList.remove("has-dialog");
  inflight.dialog?.abort();
  const fromHistory = closingFromHistory;
  closingFromHistory = false;
  Object.assign(state, { open: "", chunk: "", profile: "" });
  if (!fromHistory) {
    if (history.state?.dialog > 0) history.go(-history.state.dialog);
    else saveUrl(false, { committed: true });
  }
  const back = viewerReturnFocus;
  viewerReturnFocus = null;
  if (back && back !== document.body && back.isConnected) back.focus();
  else if (back?.dataset?.focusKey) els.results.querySelector(`[data-focus-key="${CSS.escape(back.dataset.focusKey)}"]`)?.focus();
  else els.q.focus();
}

function syncDialog() {
  if (state.open) openDocument(state.open, { chunk: state.chunk }, { push: false });
  else if (state.profile && features.people) openProfile(state.profile, { push: false });
  else if (els.viewer.open) {
    closingFromHistory = true;
    els.viewer.close();
  }
}

// ---------------------------------------------------------------- events

// History: typing rewrites the current entry (a new one after a committed search), Enter
// commits it, filters and opened conversations get entries of their own for Back.
function onInput() {
  state.q = els.q.value;
  k = PAGE;
  saveUrl(Boolean(history.state?.committed), { typing: true });
  scheduleSearch();
}

function onSubmit(e) {
  e.preventDefault();
  state.q = els.q.value;
  k = PAGE;
  saveUrl(false, { committed: true });
  runSearch();
}

function isEditable(el) {
  if (!el) return false;
  if (el.tagName === "INPUT") return !/^(checkbox|radio|button|submit|reset|range|color|file)$/.test(el.type);
  return el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName);
}

function onKeydown(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const active = document.activeElement;
  if (e.key === "/" && !isEditable(active) && !els.viewer.open) {
    e.preventDefault();
    els.q.focus();
    els.q.select();
    return;
  }
  if (els.viewer.open) return;
  const links = [...els.results.querySelectorAll(".result-link")];
  const index = links.indexOf(active);
  if (active === els.q && e.key === "ArrowDown" && links.length) {
    e.preventDefault();
    focusResult(0);
  } else if (index >= 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
    e.preventDefault();
    if (e.key === "ArrowUp" && index === 0) els.q.focus();
    else focusResult(index + (e.key === "ArrowDown" ? 1 : -1));
  } else if (index >= 0 && (e.key === "Home" || e.key === "End")) {
    e.preventDefault();
    focusResult(e.key === "Home" ? 0 : links.length - 1);
  } else if (active === els.q && e.key === "Escape" && els.q.value) {
    // the browser clears a search field on Escape; follow it
    setTimeout(onInput, 0);
  }
}

function onPopState() {
  const before = searchKey(state);
  state = readUrl();
  els.q.value = state.q;
  if (searchKey(state) !== before) {
    k = PAGE;
    runSearch();
  }
  syncDialog();
}

function toggleFilters() {
  const open = els.filtersToggle.getAttribute("aria-expanded") !== "true";
  els.filtersToggle.setAttribute("aria-expanded", String(open));
  els.filters.classList.toggle("open", open);
  if (open) els.filters.querySelector("input, button")?.focus();
}

function init() {
  els.q.value = state.q;
  els.q.addEventListener("input", onInput);
  els.form.addEventListener("submit", onSubmit);
  els.more.addEventListener("click", () => {
    const index = els.results.querySelectorAll(".result-link").length;
    k = Math.min(100, k + PAGE);
    runSearch().then(() => focusResult(index));
  });
  els.clearFilters.addEventListener("click", clearFilters);
  els.filtersToggle.addEventListener("click", toggleFilters);
  $("filters-done").addEventListener("click", () => {
    toggleFilters();
    els.filtersToggle.focus();
  });
  els.viewer.addEventListener("close", onDialogClose);
  els.viewer.addEventListener("click", (e) => { if (e.target === els.viewer) els.viewer.close(); });
  document.addEventListener("keydown", onKeydown);
  window.addEventListener("popstate", onPopState);
  featuresReady = detectFeatures();
  loadStoreInfo();
  if (state.q) runSearch();
  else renderWelcome();
  if (state.open || state.profile) featuresReady.then(syncDialog);
  if (!state.open && !state.profile) {
    els.q.focus();
    if (state.q) els.q.setSelectionRange(state.q.length, state.q.length);
  }
}

init();
