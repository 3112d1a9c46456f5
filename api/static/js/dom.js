// DOM helpers: the page's elements, building nodes, icons, avatars and server highlights.

export const KINDS = {
  meeting_notes: "Meeting notes",
  memo: "Memo",
  chat: "Chat",
  email: "Email",
  transcript: "Transcript",
};

export const $ = (id) => document.getElementById(id);
export const els = {
  form: $("search-form"), q: $("q"), status: $("status"), results: $("results"),
  state: $("state"), more: $("more"), facets: $("facets"), filters: $("filters"),
  filtersToggle: $("filters-toggle"), filtersCount: $("filters-count"),
  clearFilters: $("clear-filters"), answer: $("answer"), experts: $("experts"),
  timeline: $("timeline"), viewer: $("viewer"), storeInfo: $("store-info"),
};

export function h(tag, attrs = {}, ...children) {
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

export function icon(name, cls = "icon") {
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

export function kindIcon(kind) {
  const label = KINDS[kind] || kind;
  return h("span", { class: `kind kind-${kind in KINDS ? kind : "other"}`, title: label },
    icon(kind in KINDS ? kind : "memo"), h("span", { class: "visually-hidden", text: label }));
}

function initials(name) {
  const parts = String(name || "?").split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts.length > 1 ? parts.at(-1)[0] : "")).toUpperCase();
}

export function avatar(name) {
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h("span", { class: `avatar hue-${hash % 6}`, "aria-hidden": "true", text: initials(name) });
}

/** Server highlight HTML -> DOM: text is entity-decoded, only <mark> survives as an element. */
export function markedText(html) {
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

export function stateBox(kind, iconName, title, ...body) {
  return h("div", { class: `state-box state-${kind}`, data: { state: kind } },
    icon(iconName, "icon state-icon"), h("h2", { text: title }), ...body);
}
