// Watercooler topics, decisions and knowledge-at-risk views (knowledge.html), one view per URL:
// ?view=topics, ?view=topic&topic=ID, ?view=decisions, ?view=risk, ?view=person&person=ID.
// Everything is built with createElement/textContent; the data is what the API lets the asker see.

import { avatar, h } from "./js/dom.js";
import { formatDay, metaLine, monthFormat, plural, timeEl, toDate } from "./js/format.js";
import { getJson, problemText } from "./js/http.js";

const view = document.getElementById("view");
const status = document.getElementById("status");

function link(params, text, cls) {
  return h("a", { href: `/knowledge?${new URLSearchParams(params)}`, class: cls, text });
}

function personLink(person) {
  return h("span", { class: "person" },
    link({ view: "person", person: person.person_id }, person.name),
    person.left ? h("span", { class: "left-tag", text: "left" }) : null);
}

function docLink(doc) {
  return h("a", { href: `/?open=${encodeURIComponent(doc.doc_id)}`, text: doc.title });
}

function heading(title, lede) {
  document.title = `Watercooler — ${title}`;
  return [h("h1", { text: title }), lede ? h("p", { class: "lede", text: lede }) : null];
}

async function topicsView() {
  const data = await getJson("/topics");
  return [
    ...heading("Topics", `${plural(data.topics.length, "topic")}: conversations grouped by what they are about, labelled by their most distinctive words.`),
    h("ul", { class: "cards", id: "topics" }, data.topics.map((t) => h("li", { class: "card topic-card" },
      link({ view: "topic", topic: t.topic_id }, t.label, "title"),
      h("p", { class: "meta", text: `${plural(t.conversations, "conversation")} · ${formatDay(t.first)} – ${formatDay(t.last)}` })))),
  ];
}

function bar(percent) {
  const el = h("div", { class: "tl-bar" });
  el.style.width = `${Math.round(percent)}%`; // the CSSOM, not a style attribute (the CSP forbids those)
  return el;
}

function timeline(topic) {
  const most = Math.max(1, ...topic.timeline.map((p) => p.conversations));
  const decided = new Map();
  for (const d of topic.decisions) {
    const month = (d.date || "").slice(0, 7);
    decided.set(month, [...(decided.get(month) || []), d]);
  }
  return h("section", { class: "topic-timeline", id: "topic-timeline", "aria-labelledby": "timeline-title" },
    h("h2", { id: "timeline-title", text: "Timeline" }),
    topic.timeline.map((p) => {
      const points = decided.get(p.month) || [];
      return h("div", { class: "tl-row", data: { month: p.month } },
        h("div", { class: "tl-month", text: monthFormat.format(toDate(`${p.month}-01`)) }),
        h("div", {},
          h("div", { class: "tl-track" },
            bar((100 * p.conversations) / most),
            h("span", { class: "tl-count", text: plural(p.conversations, "conversation") })),
          points.length ? h("ul", { class: "tl-points", "aria-label": plural(points.length, "decision") },
            points.map((d) => h("li", { class: "tl-point", title: `${d.date}: ${d.quote}` }))) : null,
          h("p", { class: "tl-people" }, p.people.slice(0, 6).map((x, i) => [i ? ", " : "", personLink(x)]),
            p.people.length > 6 ? ` +${p.people.length - 6}` : "")));
    }));
}

function decisionItem(d, replaced = []) {
  return h("li", { class: "decision" },
    h("blockquote", { text: d.quote }),
    metaLine(timeEl(d.date), d.people.filter(Boolean).length ? h("span", { text: d.people.filter(Boolean).join(", ") }) : null,
      h("a", { href: `/?open=${encodeURIComponent(d.doc_id)}`, text: d.title })),
    replaced.map((old) => h("p", { class: "replaced" }, "Replaced: ", h("q", { text: old.quote }), " ", timeEl(old.date))));
}

async function topicView(id) {
  const t = await getJson(`/topics/${encodeURIComponent(id)}`);
  return [
    ...heading(t.label, `${plural(t.conversations, "conversation")} from ${formatDay(t.first)} to ${formatDay(t.last)} · bus factor ${t.bus_factor}`),
    timeline(t),
    h("h2", { text: "Decisions, in order" }),
    t.decisions.length ? h("ol", { class: "decisions", id: "topic-decisions" }, t.decisions.map((d) => decisionItem(d)))
      : h("p", { class: "muted", text: "No decision was found in these conversations." }),
    h("h2", { text: "People" }),
    h("ul", { class: "cards", id: "topic-people" }, t.people.map((p) => h("li", { class: "card" },
      avatar(p.name), " ", personLink(p),
      h("p", { class: "meta", text: `${plural(p.documents, "conversation")}, ${plural(p.messages, "message")}` })))),
    h("h2", { text: "Related topics" }),
    t.related.length ? h("ul", { class: "cards" }, t.related.map((r) => h("li", { class: "card" }, link({ view: "topic", topic: r.topic_id }, r.label, "title"))))
      : h("p", { class: "muted", text: "None close enough." }),
    h("h2", { text: "Conversations" }),
    h("ul", {}, t.documents.map((d) => h("li", {}, timeEl(d.date), " ", docLink(d)))),
  ];
}

async function decisionsView() {
  const data = await getJson("/decisions?limit=100");
  return [
    ...heading("Decisions", "The current decision on each subject, newest first, with what it replaced."),
    h("ol", { class: "decisions", id: "decisions" }, data.decisions.map((d) => decisionItem(d, d.history))),
  ];
}

function riskTable(topics, id) {
  return h("table", { class: "risk-table", id },
    h("thead", {}, h("tr", {}, ["Topic", "Bus factor", "Who holds it", "Suggested successor"].map((c) => h("th", { scope: "col", text: c })))),
    h("tbody", {}, topics.map((r) => h("tr", { data: { topic: r.topic_id } },
      h("td", {}, link({ view: "topic", topic: r.topic_id }, r.label), h("p", { class: "meta", text: `${plural(r.conversations, "conversation")} · ${r.reasons.join("; ")}` })),
      h("td", {}, h("span", { class: `bus bus-${Math.min(r.bus_factor, 2)}`, text: String(r.bus_factor) })),
      h("td", {}, r.holders.slice(0, 4).map((p, i) => [i ? ", " : "", personLink(p), ` (${p.documents})`])),
      h("td", {}, r.successor ? [
        personLink(r.successor),
        h("p", { class: "meta", text: `took part in ${r.successor.topic_documents.length} of its conversations and ${r.successor.shared_with_experts} others with its experts` }),
        h("ul", { class: "evidence" }, [...r.successor.topic_documents, ...r.successor.shared_documents].slice(0, 3).map((d) => h("li", {}, docLink(d)))),
      ] : h("span", { class: "muted", text: "nobody active is close to it" }))))));
}

async function riskView() {
  const data = await getJson("/risk");
  return [
    ...heading("Knowledge at risk", "Topics that one departure would leave without anyone active who took part (bus factor 1), or whose main experts have all left; each with who could take it over."),
    data.topics.length ? riskTable(data.topics, "risk") : h("p", { class: "muted", text: "No topic is at risk." }),
  ];
}

async function personView(id) {
  const [person, data] = await Promise.all([getJson(`/people/${encodeURIComponent(id)}`), getJson(`/people/${encodeURIComponent(id)}/unique-knowledge`)]);
  return [
    ...heading(`What ${person.name} knows that nobody else does`, "The topics where they are the only active expert: hand these over before they leave."),
    data.topics.length ? riskTable(data.topics, "unique-knowledge") : h("p", { class: "muted", text: "Nothing: someone else active took part in every topic they know." }),
  ];
}

async function render() {
  const p = new URLSearchParams(location.search);
  const name = p.get("view") || "topics";
  for (const a of document.querySelectorAll(".views a[data-view]")) {
    if (a.dataset.view === name || (name === "topic" && a.dataset.view === "topics")) a.setAttribute("aria-current", "page");
  }
  status.textContent = "Loading…";
  try {
    const parts = name === "topic" ? await topicView(p.get("topic") || "")
      : name === "decisions" ? await decisionsView()
        : name === "risk" ? await riskView()
          : name === "person" ? await personView(p.get("person") || "")
            : await topicsView();
    view.replaceChildren(...parts.flat().filter(Boolean));
    status.textContent = "";
  } catch (err) {
    const problem = problemText(err);
    view.replaceChildren(h("div", { class: "state-box state-error" }, h("h2", { text: problem.title }), h("p", { text: problem.text })));
    status.textContent = "";
  }
}

render();
