// Watercooler search page: the entry module (events, keyboard, history, start-up); each panel is in js/.
// Plain ES modules, no dependencies, no build step, nothing fetched from elsewhere.
// Everything put in the DOM is built with createElement/textContent; the only markup taken
// from the server is the <mark> tags inside search highlights (see markedText in js/dom.js).

import { $, els } from "./js/dom.js";
import { clearFilters } from "./js/facets.js";
import { detectFeatures } from "./js/http.js";
import { focusResult, loadStoreInfo, renderWelcome, runSearch, scheduleSearch, searchIsCurrent } from "./js/results.js";
import { PAGE, app, readUrl, saveUrl, searchKey, state } from "./js/state.js";
import { onDialogClose, syncDialog } from "./js/viewer.js";

// History: typing rewrites the current entry (a new one after a committed search), Enter
// commits it, filters and opened conversations get entries of their own for Back.
function onInput() {
  state.q = els.q.value;
  app.k = PAGE;
  saveUrl(Boolean(history.state?.committed), { typing: true });
  scheduleSearch();
}

function onSubmit(e) {
  e.preventDefault();
  state.q = els.q.value;
  app.k = PAGE;
  saveUrl(false, { committed: true });
  if (!searchIsCurrent()) runSearch();
}

function isEditable(el) {
  if (!el) return false;
  if (el.tagName === "INPUT") return !/^(checkbox|radio|button|submit|reset|range|color|file)$/.test(el.type);
  return el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName);
}

function onKeydown(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const active = document.activeElement;
  if (e.key === "/" && !isEditable(active) && !els.viewer.open) {
    e.preventDefault();
    els.q.focus();
    els.q.select();
    return;
  }
  if (els.viewer.open) return;
  const links = [...els.results.querySelectorAll(".result-link")];
  const index = links.indexOf(active);
  if (active === els.q && e.key === "ArrowDown" && links.length) {
    e.preventDefault();
    focusResult(0);
  } else if (index >= 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
    e.preventDefault();
    if (e.key === "ArrowUp" && index === 0) els.q.focus();
    else focusResult(index + (e.key === "ArrowDown" ? 1 : -1));
  } else if (index >= 0 && (e.key === "Home" || e.key === "End")) {
    e.preventDefault();
    focusResult(e.key === "Home" ? 0 : links.length - 1);
  } else if (active === els.q && e.key === "Escape" && els.q.value) {
    // the browser clears a search field on Escape; follow it
    setTimeout(onInput, 0);
  }
}

function onPopState() {
  const before = searchKey(state);
  Object.assign(state, readUrl());
  els.q.value = state.q;
  if (searchKey(state) !== before) {
    app.k = PAGE;
    runSearch();
  }
  syncDialog();
}

function toggleFilters() {
  const open = els.filtersToggle.getAttribute("aria-expanded") !== "true";
  els.filtersToggle.setAttribute("aria-expanded", String(open));
  els.filters.classList.toggle("open", open);
  if (open) els.filters.querySelector("input, button")?.focus();
}

function init() {
  els.q.value = state.q;
  els.q.addEventListener("input", onInput);
  els.form.addEventListener("submit", onSubmit);
  els.more.addEventListener("click", () => {
    const index = els.results.querySelectorAll(".result-link").length;
    app.k = Math.min(100, app.k + PAGE);
    runSearch().then(() => focusResult(index));
  });
  els.clearFilters.addEventListener("click", clearFilters);
  els.filtersToggle.addEventListener("click", toggleFilters);
  $("filters-done").addEventListener("click", () => {
    toggleFilters();
    els.filtersToggle.focus();
  });
  els.viewer.addEventListener("close", onDialogClose);
  els.viewer.addEventListener("click", (e) => { if (e.target === els.viewer) els.viewer.close(); });
  document.addEventListener("keydown", onKeydown);
  window.addEventListener("popstate", onPopState);
  app.featuresReady = detectFeatures();
  loadStoreInfo();
  if (state.q) runSearch();
  else renderWelcome();
  if (state.open || state.profile) app.featuresReady.then(syncDialog);
  if (!state.open && !state.profile) {
    els.q.focus();
    if (state.q) els.q.setSelectionRange(state.q.length, state.q.length);
  }
}

init();
