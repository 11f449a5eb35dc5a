// Search (issue 6). The top bar's box is the way in from every page: `/` focuses it (never
// while the person types somewhere else, e.g. in the composer), Enter goes to /search. On the
// search page it searches as you type: one debounced fetch of the results fragment at a time
// (a newer one aborts the older), the URL kept shareable with replaceState; the arrows move
// through the results and Enter opens the chosen one (the first by default).
import { formatTimes } from "./live.js";

const DEBOUNCE_MS = 180;
const FRAGMENT_HEADER = { "X-Frontdesk-Fragment": "1" };

const box = () => document.getElementById("search-box");
const filters = () => document.getElementById("search-filters");
const results = () => document.getElementById("search-results");
const errorBox = () => document.getElementById("search-error");

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable=''], [contenteditable='true']");
}

export function focusSearch() {
  const input = box();
  if (!input) return;
  input.focus();
  input.select();
}

export function initSearchBox() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
    if (typing(event.target) || !box()) return;
    event.preventDefault();
    focusSearch();
  });
  if (document.querySelector("[data-search-page]")) initSearchPage();
}

// --- the search page ------------------------------------------------------------------------

let timer = null;
let controller = null;   // the fetch in flight; a newer search aborts it
let pending = null;      // its promise, so Enter can wait for the results of what was typed
let generation = 0;      // bumped by every new search: "Load more" answers of older ones are dropped
let lastQuery = null;

class FragmentError extends Error {}

// A server-rendered piece of page. Like api.js's `fragment`, with an AbortSignal.
async function fetchFragment(path, signal) {
  const response = await fetch(path, { credentials: "same-origin", headers: FRAGMENT_HEADER, signal });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new FragmentError("Signed out");
  }
  if (!response.ok) {
    let message = `Search failed (${response.status})`;
    try { message = (await response.json()).message || message; } catch { /* not JSON */ }
    throw new FragmentError(message);
  }
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  return template.content;
}

function params() {
  const query = new URLSearchParams();
  if (box().value.trim()) query.set("q", box().value);
  for (const [key, value] of new FormData(filters())) {
    if (key !== "q" && value) query.set(key, value);
  }
  return query;
}

function hasFilters(query) {
  return [...query.keys()].some((key) => key !== "q");
}

function showError(message) {
  const el = errorBox();
  el.textContent = message || "";
  el.hidden = !message;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => { timer = null; search(); }, DEBOUNCE_MS);
}

// Run the search for the form as it is now, unless that is what the page already shows.
function search({ force = false } = {}) {
  clearTimeout(timer);
  timer = null;
  const query = params();
  const text = query.toString();
  filters().querySelector("input[name=q]").value = box().value;
  filters().querySelector("[data-action=clear-filters]").hidden = !hasFilters(query);
  if (!force && text === lastQuery) return pending ?? Promise.resolve();
  lastQuery = text;
  history.replaceState(history.state, "", text ? `/search?${text}` : "/search");
  document.title = `${box().value.trim() ? `${box().value.trim()} · ` : ""}Search · Frontdesk`;
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  generation += 1;
  results().setAttribute("aria-busy", "true");
  pending = fetchFragment(`/search/fragments/results?${text}`, mine.signal).then(
    (content) => {
      if (controller !== mine) return;
      showError("");
      results().replaceChildren(content);
      formatTimes(results());
      setActive(0, { scroll: false });
    },
    (error) => {
      if (controller !== mine || error.name === "AbortError") return;
      showError(error.message);
    },
  ).finally(() => {
    if (controller !== mine) return;
    controller = null;
    pending = null;
    results().setAttribute("aria-busy", "false");
  });
  return pending;
}

async function loadMore(button) {
  button.disabled = true;
  const mine = generation;
  let content;
  try {
    content = await fetchFragment(`/search/fragments/results?${button.dataset.query}`);
  } catch (error) {
    button.disabled = false;
    showError(error.message);
    return;
  }
  if (mine !== generation || !button.isConnected) return;
  formatTimes(content);
  const first = content.querySelector(".result-link");
  button.closest(".load-more").replaceWith(content);
  first?.focus();
}

// --- keyboard: the box drives a list of results (a combobox with links) ---------------------

const links = () => [...results().querySelectorAll(".result-link")];

function activeIndex() {
  return links().findIndex((link) => link.closest(".search-result").classList.contains("is-active"));
}

function setActive(index, { scroll = true } = {}) {
  const all = links();
  for (const link of all) {
    link.closest(".search-result").classList.remove("is-active");
    link.removeAttribute("aria-selected");
  }
  const input = box();
  input.setAttribute("aria-expanded", all.length ? "true" : "false");
  if (!all.length) {
    input.removeAttribute("aria-activedescendant");
    return null;
  }
  const link = all[Math.max(0, Math.min(index, all.length - 1))];
  link.closest(".search-result").classList.add("is-active");
  link.setAttribute("aria-selected", "true");
  input.setAttribute("aria-activedescendant", link.id);
  if (scroll) link.scrollIntoView({ block: "nearest" });
  return link;
}

function move(step) {
  const current = activeIndex();
  return setActive(current < 0 ? 0 : current + step);
}

async function openActive() {
  if (timer || pending || params().toString() !== lastQuery) await search();
  const all = links();
  const link = all[Math.max(0, activeIndex())];
  if (link) window.location.assign(link.href);
}

function onBoxKeys(event) {
  if (event.isComposing) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    move(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Enter") {
    event.preventDefault();
    openActive();
  } else if (event.key === "Escape" && box().value) {
    event.preventDefault();
    box().value = "";
    search();
  }
}

// Arrows also work once focus is on a result itself.
function onResultKeys(event) {
  const link = event.target.closest(".result-link");
  if (!link || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
  event.preventDefault();
  const all = links();
  const next = all[all.indexOf(link) + (event.key === "ArrowDown" ? 1 : -1)];
  if (next) {
    setActive(all.indexOf(next), { scroll: false });
    next.focus();
  } else if (event.key === "ArrowUp") {
    box().focus();
  }
}

// --- filters --------------------------------------------------------------------------------

// The account dropdown lists only the chosen channel's accounts.
function narrowAccounts() {
  const channel = filters().elements.channel.value;
  const accounts = filters().elements.account;
  for (const option of accounts.options) {
    if (!option.value) continue;
    option.hidden = Boolean(channel) && option.dataset.channel !== channel;
  }
  if (accounts.selectedOptions[0]?.hidden) accounts.value = "";
}

function clearFilters() {
  for (const field of filters().elements) {
    if (field.name === "q" || !field.name) continue;
    if (field.type === "checkbox") field.checked = false;
    else field.value = "";
  }
  narrowAccounts();
  search();
}

// Date filters are whole days in this browser's time zone (thread.js sets the same cookie).
function rememberTimeZone() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.includes(`frontdesk_tz=${encodeURIComponent(zone)}`)) {
    document.cookie = `frontdesk_tz=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
  }
}

function initSearchPage() {
  rememberTimeZone();
  const input = box();
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-controls", "search-results");
  input.setAttribute("aria-autocomplete", "list");
  lastQuery = params().toString();
  input.addEventListener("input", schedule);
  input.addEventListener("keydown", onBoxKeys);
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  filters().addEventListener("change", (event) => {
    if (event.target.name === "channel") narrowAccounts();
    search();
  });
  filters().addEventListener("submit", (event) => { event.preventDefault(); search(); });
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    if (target.dataset.action === "clear-filters") {
      event.preventDefault();
      clearFilters();
    } else if (target.dataset.action === "more" && results().contains(target)) {
      loadMore(target);
    }
  });
  results().addEventListener("keydown", onResultKeys);
  narrowAccounts();
  setActive(0, { scroll: false });
  if (!input.value && !hasFilters(params())) input.focus();
}
