// Query terms as the server sees them, and marking them in plain text.

import { h } from "./dom.js";

const STOPWORDS = new Set(`a an and are as at be but by did do does for from had has have how
  i in is it its of on or our so that the their them there they this to was we were what when
  where which who why will with you your about into any can could should would`.split(/\s+/));

export function queryTerms(query) {
  const words = (String(query).match(/[\p{L}\p{N}_][\p{L}\p{N}_'-]*/gu) || [])
    .map((w) => w.toLowerCase().replace(/^['-]+|['-]+$/g, ""));
  return [...new Set(words.filter((w) => w && !STOPWORDS.has(w)))];
}

export function termRegex(terms) {
  if (!terms.length) return null;
  const parts = terms.map((t) => {
    const stem = t.length <= 4 ? t : t.slice(0, Math.max(4, t.length - 2));
    return `(?<![\\p{L}\\p{N}_])${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\p{L}\\p{N}_]*`;
  });
  return new RegExp(parts.join("|"), "giu");
}

/** Plain text -> DOM with the query's words in <mark>. */
export function highlightTerms(text, regex) {
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

export function overlap(text, terms) {
  return terms.filter((t) => termRegex([t]).test(text)).length;
}
