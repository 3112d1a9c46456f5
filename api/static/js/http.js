// Talking to the server: JSON fetches (with the API token when the server asks for one),
// errors in words, and which optional endpoints exist.

import { h } from "./dom.js";
import { app, inflight } from "./state.js";

const TOKEN_KEY = "watercooler.token";
// Set when a token is submitted: the page reloads to use it and sends nothing more meanwhile
// (a panel's request refused with it would forget the token before the reloaded page tried it).
let reloading = false;

export class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function getJson(url, { signal, method = "GET", body } = {}) {
  if (reloading) throw new DOMException("The page is reloading to sign in.", "AbortError");
  const token = savedToken();
  const res = await fetch(url, {
    method,
    signal,
    headers: {
      Accept: "application/json",
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (res.status === 401) {
    // Forget only the token this request sent: one pasted since then is still untried.
    if (token && savedToken() === token) forgetToken();
    askForToken(token ? "That token was not accepted: it was revoked or mistyped." : "This Watercooler needs to know who you are.");
  }
  if (!res.ok) throw new HttpError(res.status, data);
  return data;
}

function savedToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

function forgetToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: nothing was kept
  }
}

/** The sign-in prompt of a server that takes API tokens; the token stays in this browser. */
function askForToken(reason) {
  if (document.querySelector(".token-dialog[open]")) return;
  const input = h("input", { id: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const dialog = h("dialog", { class: "token-dialog", "aria-labelledby": "token-title" },
    h("form", {
      onsubmit: (e) => {
        e.preventDefault();
        localStorage.setItem(TOKEN_KEY, input.value.trim());
        reloading = true;
        location.reload();
      },
    },
    h("h2", { id: "token-title", text: "Sign in" }),
    h("p", { text: `${reason} Paste your API token.` }),
    h("label", { for: "token", text: "API token" }),
    input,
    h("p", { class: "fine", text: "It is kept in this browser only. An admin creates one with watercooler tokens create." }),
    h("button", { class: "button", type: "submit", text: "Sign in" })));
  dialog.addEventListener("cancel", (e) => e.preventDefault());
  document.body.append(dialog);
  dialog.showModal();
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
    if (err.status === 401) return { title: "Sign-in needed", text: "Paste your API token to search." };
    if (err.status === 403) return { title: "Not available to you", text: typeof detail === "string" ? `${detail}.` : "Ask an admin." };
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
