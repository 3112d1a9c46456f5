// The filters sidebar (facets) and the timeline of matches per month.

import { KINDS, els, h } from "./dom.js";
import { monthEnd, monthFormat, plural, shortMonth, toDate } from "./format.js";
import { runSearch } from "./results.js";
import { PAGE, activeFilters, app, baseFacets, saveUrl, state } from "./state.js";

const FACET_ROWS = 8;
const expandedFacets = new Set();

function facetValues(name, current, selected) {
  const base = baseFacets.get(state.q.trim())?.[name] || {};
  const values = new Map(Object.entries(current?.[name] || {}));
  for (const v of [...selected, ...Object.keys(base)]) if (!values.has(v) && v) values.set(v, null);
  return [...values];
}

export function renderFacets(facets) {
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
      renderFacets(app.lastSearch?.facets || null);
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

/** Month -> count, with the empty months in between filled in. */
export function timelineFrom(months) {
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

export function barChart(months, { label, pick, isActive, focusPrefix }) {
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

export function renderTimeline(facets) {
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

export function clearFilters() {
  Object.assign(state, { kind: [], channel: [], person: "", since: "", until: "" });
  filtersChanged();
  els.q.focus();
}

function filtersChanged() {
  app.k = PAGE;
  saveUrl(true, { committed: true });
  runSearch();
}
