// Formatting: dates, months, people lists, meta lines and plurals.

import { h } from "./dom.js";

const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
export const monthFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", timeZone: "UTC" });
export const shortMonth = new Intl.DateTimeFormat(undefined, { month: "short", timeZone: "UTC" });

export function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? null : d;
}
export function formatDay(iso) {
  const d = toDate(iso);
  return d ? dayFormat.format(d) : "";
}
export function timeEl(iso) {
  return iso ? h("time", { datetime: iso.slice(0, 10), text: formatDay(iso) }) : null;
}
export function monthEnd(ym) {
  const [y, m] = ym.split("-").map(Number);
  return `${ym}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}
export function peopleText(people, max = 3) {
  const shown = people.slice(0, max).join(", ");
  return people.length > max ? `${shown} +${people.length - max}` : shown;
}
/** A line of facts separated by dots; it wraps between facts, never inside a date. */
export function metaLine(...items) {
  const line = h("p", { class: "meta" });
  items.filter(Boolean).forEach((item, i) => line.append(...(i ? [" ", item] : [item])));
  return line;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
