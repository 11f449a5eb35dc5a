// The left pane: views with live counts and the conversation list, kept current from the event
// stream without reloading. The server renders every row; we only fetch and place them.
import { fragment } from "./api.js";
import { formatTimes } from "./live.js";
import { openThread } from "./thread.js";

const ROW_EVENTS = [
  "conversation.created", "conversation.updated", "conversation.assigned",
  "conversation.deleted", "message.created", "message.status_changed",
];
const BATCH_MS = 10;  // events of a burst share one request
const COUNTS_MS = 300;
// Live rows keep arriving on a busy inbox; past this many (while the list is scrolled to the
// top) the oldest go back behind "Load more", so the page stays light however long it is open.
const MAX_ROWS = 100;
const maxRows = () => Number(list.dataset.maxRows) || MAX_ROWS;

let list;
let pendingIds = new Set();
let rowTimer = null;
let countsTimer = null;

function layout() {
  return document.getElementById("main");
}

function query(extra = {}) {
  const params = new URLSearchParams();
  params.set("view", layout().dataset.view);
  if (layout().dataset.inbox) params.set("inbox", layout().dataset.inbox);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

export function currentThreadId() {
  return document.querySelector("#thread-pane [data-thread-id]")?.dataset.threadId ?? null;
}

export function markCurrent(threadId) {
  for (const link of list.querySelectorAll(".row-link[aria-current]")) link.removeAttribute("aria-current");
  const row = rowOf(threadId);
  if (!row) return;
  row.querySelector(".row-link").setAttribute("aria-current", "true");
  row.classList.remove("unread");
  row.querySelector(".unread-dot")?.remove();
}

function rowOf(threadId) {
  return list.querySelector(`li[data-thread-id="${CSS.escape(String(threadId))}"]`);
}

function rows() {
  return [...list.querySelectorAll("li[data-thread-id]")];
}

// Newest activity first; a row older than the last loaded one belongs to a later page.
function place(row) {
  const latest = Number(row.dataset.latest);
  const id = Number(row.dataset.threadId);
  const existing = rowOf(id);
  const others = rows().filter((r) => r !== existing);
  const before = others.find((r) => {
    const other = Number(r.dataset.latest);
    return other < latest || (other === latest && Number(r.dataset.threadId) < id);
  });
  const hasMore = Boolean(list.querySelector(".load-more"));
  if (!before && hasMore) {
    existing?.remove();  // it now sorts after what is loaded: "Load more" will bring it
    return;
  }
  if (existing) existing.remove();
  list.querySelector(".list-empty")?.remove();
  list.insertBefore(row, before ?? list.querySelector(".load-more"));
}

async function refreshRows() {
  rowTimer = null;
  const ids = [...pendingIds];
  pendingIds = new Set();
  if (!ids.length) return;
  const content = await fragment(`/inbox/fragments/rows?${query({ ids: ids.join(",") })}`);
  formatTimes(content);  // before insertion: only the fresh rows, not the whole list again
  const fresh = new Map();
  for (const row of content.querySelectorAll("li[data-thread-id]")) fresh.set(row.dataset.threadId, row);
  for (const id of ids) {
    const row = fresh.get(String(id));
    if (row) place(row);
    else rowOf(id)?.remove();  // it left this view (closed, reassigned, no longer visible)
  }
  trim();
  const open = currentThreadId();
  if (open) markCurrent(open);
  document.dispatchEvent(new CustomEvent("fd:list-updated", { detail: { ids } }));
}

function trim() {
  const all = rows();
  if (all.length <= maxRows() || list.closest(".list-pane").scrollTop > 200) return;
  for (const extra of all.slice(maxRows())) extra.remove();
  let more = list.querySelector(".load-more");
  if (!more) {
    more = document.createElement("li");
    more.className = "load-more";
    more.append(Object.assign(document.createElement("button"), { type: "button", textContent: "Load more" }));
    list.append(more);
  }
  more.querySelector("button").dataset.after = all[maxRows() - 1].dataset.after;
}

function queueRow(threadId) {
  if (!threadId) return;
  pendingIds.add(String(threadId));
  rowTimer ??= setTimeout(refreshRows, BATCH_MS);
  queueCounts();
}

function queueCounts() {
  countsTimer ??= setTimeout(refreshCounts, COUNTS_MS);
}

async function refreshCounts() {
  countsTimer = null;
  const content = await fragment(`/inbox/fragments/views?${query()}`);
  document.getElementById("views").replaceChildren(content);
}

async function reloadList() {
  const content = await fragment(`/inbox/fragments/list?${query()}`);
  list.replaceChildren(content);
  formatTimes(list);
  const open = currentThreadId();
  if (open) markCurrent(open);
  await refreshCounts();
}

async function loadMore(button) {
  button.disabled = true;
  const content = await fragment(`/inbox/fragments/list?${query({ after: button.dataset.after })}`);
  button.closest("li").remove();
  list.append(content);
  formatTimes(list);
}

export function moveSelection(step) {
  const all = rows();
  if (!all.length) return;
  const open = currentThreadId();
  const index = all.findIndex((r) => r.dataset.threadId === open);
  const next = all[Math.min(all.length - 1, Math.max(0, index + step))];
  if (index === -1 && step < 0) return;
  next.querySelector(".row-link").focus();
  openThread(next.dataset.threadId);
}

export function initList() {
  list = document.getElementById("thread-list");
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".load-more button");
    if (button) { loadMore(button); return; }
    const link = event.target.closest(".row-link");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    openThread(link.closest("li").dataset.threadId);
  });
  document.getElementById("inbox-select")?.addEventListener("change", (event) => {
    event.target.form.requestSubmit();
  });
  for (const name of ROW_EVENTS) {
    document.addEventListener(`fd:${name}`, (event) => queueRow(event.detail.threadId));
  }
  document.addEventListener("fd:thread-opened", (event) => markCurrent(event.detail.threadId));
  document.addEventListener("fd:resync", reloadList);
  // After a drop the stream resumes from Last-Event-ID, so no event is lost; nothing to do.
}
