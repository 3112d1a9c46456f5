// The viewer dialog: documents, conversations and people's profiles, each a history entry.

import { KINDS, avatar, els, h, icon, kindIcon, stateBox } from "./dom.js";
import { barChart, timelineFrom } from "./facets.js";
import { formatDay, metaLine, peopleText, plural, timeEl } from "./format.js";
import { getJson, problemText, restart } from "./http.js";
import { searchFor } from "./results.js";
import { app, inflight, saveUrl, state, urlFor } from "./state.js";
import { highlightTerms, overlap, queryTerms, termRegex } from "./terms.js";

const CONVERSATIONS = new Set(["chat", "email", "transcript"]);
const WINDOW = 8; // messages either side of the match shown when a thread is long

let viewerReturnFocus = null;
let closingFromHistory = false;

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

export async function openDocument(docId, target = {}, { push = true } = {}) {
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

export async function openProfile(personId, { push = true } = {}) {
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
      section("Handover", h("p", {}, h("a", { class: "unique-knowledge", href: `/knowledge?view=person&person=${encodeURIComponent(p.person_id)}` },
        `What ${p.name} knows that nobody else does`))),
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

export function onDialogClose() {
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

export function syncDialog() {
  if (state.open) openDocument(state.open, { chunk: state.chunk }, { push: false });
  else if (state.profile && app.features.people) openProfile(state.profile, { push: false });
  else if (els.viewer.open) {
    closingFromHistory = true;
    els.viewer.close();
  }
}
