// Talking to the server: JSON fetches, errors in words, and which optional endpoints exist.

import { app, inflight } from "./state.js";

export class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function getJson(url, { signal, method = "GET", body } = {}) {
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

export function restart(name) {
  inflight[name]?.abort();
  inflight[name] = new AbortController();
  return inflight[name].signal;
}

export function problemText(err) {
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

/** Which optional endpoints (answers, experts, profiles) this server has; their panels stay hidden otherwise. */
export async function detectFeatures() {
  try {
    const spec = await getJson("/openapi.json");
    const paths = spec?.paths || {};
    app.features = {
      ask: Boolean(paths["/ask"]?.post),
      experts: Boolean(paths["/experts"]?.get),
      people: Boolean(paths["/people/{person_id}"]?.get),
    };
  } catch {
    app.features = { ask: false, experts: false, people: false };
  }
  document.documentElement.dataset.features = Object.keys(app.features).filter((f) => app.features[f]).join(" ");
}
