// The answer and experts panels shown above the results.

import { avatar, els, h, icon } from "./dom.js";
import { formatDay, peopleText } from "./format.js";
import { getJson, problemText, restart } from "./http.js";
import { app, inflight, state, urlFor } from "./state.js";
import { openDocument, openProfile } from "./viewer.js";

const SLOW_DEBOUNCE_MS = 450; // answers and experts are costlier than search
const QUESTION = /^(who|whom|whose|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could|should|would|will|has|have|had)\b/i;

let slowTimer = 0;

function isQuestion(q) {
  return /\?\s*$/.test(q) || QUESTION.test(q.trim());
}

export function hidePanels() {
  inflight.ask?.abort();
  inflight.experts?.abort();
  els.answer.hidden = true;
  els.experts.hidden = true;
}

export function scheduleSlowPanels(seq) {
  clearTimeout(slowTimer);
  const q = state.q.trim();
  if (!q) return hidePanels();
  slowTimer = setTimeout(async () => {
    await app.featuresReady;
    if (seq !== app.searchSeq) return;
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
  if (!app.features.ask || !isQuestion(q)) {
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
  if (!app.features.experts) return;
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
          app.features.people
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
