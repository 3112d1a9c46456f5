// Shared state: the URL state (what is searched, filtered and open) and the page's session state.

export const PAGE = 20;

/** What the URL says: the query, the filters and what is open in the viewer. Changed in place. */
export const state = readUrl();

/** Everything else several panels share; a property each, since importers can't reassign a `let`. */
export const app = {
  k: PAGE,
  features: { ask: false, experts: false, people: false },
  featuresReady: null,
  lastSearch: null, // the last SearchResults body rendered
  searchSeq: 0,
  pendingKey: null, // the search on its way (query, filters and k)
  shownKey: null, // the search whose results are on screen
  storeEmpty: false,
};
export const baseFacets = new Map(); // query -> facets without filters; "timeline:…" -> months without dates
export const inflight = { search: null, ask: null, experts: null, dialog: null };

export function readUrl() {
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

export function urlFor(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  for (const v of s.kind) p.append("kind", v);
  for (const v of s.channel) p.append("channel", v);
  for (const key of ["person", "since", "until", "open", "chunk", "profile"]) if (s[key]) p.set(key, s[key]);
  const qs = p.toString();
  return qs ? `/?${qs}` : "/";
}

export function saveUrl(push = false, extra = null) {
  const url = urlFor(state);
  if (url === location.pathname + location.search && !extra) return;
  history[push ? "pushState" : "replaceState"](extra, "", url);
}

export function searchKey(s) {
  return JSON.stringify([s.q.trim(), s.kind, s.channel, s.person, s.since, s.until]);
}

export function activeFilters() {
  return state.kind.length + state.channel.length + (state.person ? 1 : 0) + (state.since || state.until ? 1 : 0);
}

export function searchParams(extra = {}) {
  const p = new URLSearchParams({ q: state.q.trim(), k: String(app.k), ...extra });
  for (const v of state.kind) p.append("kind", v);
  for (const v of state.channel) p.append("channel", v);
  for (const key of ["person", "since", "until"]) if (state[key]) p.set(key, state[key]);
  return p;
}
