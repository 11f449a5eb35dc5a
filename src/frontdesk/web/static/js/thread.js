// The open conversation (middle pane) and its sidebar: opening a thread without a page load,
// working it (owner, close, reopen), sending from the composer with an optimistic copy, and
// keeping it current from the live event stream. The server renders every piece; we fetch
// fragments and place them.
import { api, fragment, me } from "./api.js";
import { formatTimes } from "./live.js";
import { focusComposer, initComposer, postMessage } from "./composer.js";
import { initContactOwner } from "./contact_owner.js";

export { focusComposer };

const API = "/conversations/v3/conversations/threads";
const RANK = { PENDING: 0, SENT: 1, FAILED: 1, READ: 2 };
const dayKey = (ms) => new Date(ms).toDateString();

let openSeq = 0;      // the newest openThread call; older answers are dropped
let refreshSeq = 0;
let stick = true;     // the message list follows new messages while scrolled to the bottom
let readTimer = null;
const seenStatus = new Map();  // messageId -> {status, errorMessage} from live events

const pane = () => document.getElementById("thread-pane");
const sidebar = () => document.getElementById("sidebar");
const conversation = () => pane()?.querySelector(".conversation") ?? null;
const messages = () => document.getElementById("messages");
const scroller = () => pane()?.querySelector(".messages-scroller") ?? null;
const articleOf = (id) => messages()?.querySelector(`article[data-message-id="${CSS.escape(String(id))}"]`) ?? null;

export function openThreadId() {
  return conversation()?.dataset.threadId ?? null;
}

function showError(message) {
  const box = conversation()?.querySelector(".pane-error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

// --- opening --------------------------------------------------------------------------------

export async function openThread(threadId, { push = true } = {}) {
  const seq = ++openSeq;
  let content;
  try {
    content = await fragment(`/inbox/fragments/threads/${encodeURIComponent(threadId)}`);
  } catch (error) {
    if (seq !== openSeq) return;
    if (error.status === 404) {
      pane().replaceChildren(emptyState("This conversation is not available.", "It may have been removed or moved to an inbox you cannot see."));
      sidebar()?.replaceChildren();
    }
    return;
  }
  if (seq !== openSeq) return;
  pane().replaceChildren(...content.querySelector('[data-pane="thread"]').childNodes);
  sidebar()?.replaceChildren(...content.querySelector('[data-pane="sidebar"]').childNodes);
  document.getElementById("main")?.classList.add("has-thread");
  if (push) {
    const url = `/inbox/threads/${threadId}${searchWithoutFocus()}`;
    if (location.pathname + location.search !== url) history.pushState({ threadId: String(threadId) }, "", url);
  }
  wirePane();
  document.title = `${conversation().querySelector(".conv-title")?.textContent ?? "Conversation"} · Inbox · Frontdesk`;
  document.dispatchEvent(new CustomEvent("fd:thread-opened", { detail: { threadId: String(threadId) } }));
  markRead(threadId);
}

// The list's view and inbox carry over to the next thread; the message to focus does not.
function searchWithoutFocus() {
  const params = new URLSearchParams(location.search);
  params.delete("message");
  const text = params.toString();
  return text ? `?${text}` : "";
}

function emptyState(title, hint) {
  const box = document.createElement("div");
  box.className = "empty-state";
  const p1 = document.createElement("p");
  p1.textContent = title;
  const p2 = document.createElement("p");
  p2.className = "hint";
  p2.textContent = hint;
  box.append(p1, p2);
  return box;
}

async function quietly(promise) {
  try { await promise; } catch { /* optional endpoints: a 404 while they do not exist */ }
}

function markRead(threadId) {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.visibilityState === "hidden" || openThreadId() !== String(threadId)) return;
    quietly(api(`/frontdesk/v1/threads/${threadId}/read`, { method: "POST", json: {} }));
    quietly(api("/frontdesk/v1/notifications/read", { method: "POST", json: { threadId: String(threadId) } }));
  }, 150);
}

// Everything the server rendered for the open thread gets its behaviour here.
function wirePane() {
  const root = conversation();
  if (!root) return;
  formatTimes(root);
  formatTimes(sidebar() ?? document.createElement("div"));
  regroupDays();
  scrollToBottom();
  // The scroller's flow is reversed: 0 is the bottom, scrolling up goes negative.
  const box = scroller();
  box.addEventListener("scroll", () => { stick = Math.abs(box.scrollTop) < 80; });
  const form = root.querySelector(".composer");
  if (form) initComposer(form, { send: (draft) => send(root.dataset.threadId, draft) });
  if (root.dataset.focusMessage) focusMessage(root.dataset.focusMessage);
}

// Pages of older history this far back are loaded to reach a message (200 each).
const FOCUS_MAX_PAGES = 50;

// "Open the conversation at that message" (a search result): load older pages until the
// message is there, then scroll it into view and highlight it.
async function focusMessage(messageId) {
  const threadId = openThreadId();
  for (let page = 0; !articleOf(messageId) && page < FOCUS_MAX_PAGES; page += 1) {
    const button = messages()?.querySelector(".older-messages [data-action=older]");
    if (!button || !(await loadOlder(button)) || openThreadId() !== threadId) break;
  }
  const article = articleOf(messageId);
  if (!article || openThreadId() !== threadId) return;
  for (const other of messages().querySelectorAll(".msg-focus")) other.classList.remove("msg-focus");
  article.classList.add("msg-focus");
  article.tabIndex = -1;
  stick = false;
  article.scrollIntoView({ block: "center" });
  article.focus({ preventScroll: true });
}

function scrollToBottom() {
  const box = scroller();
  if (box) box.scrollTop = 0;
  stick = true;
}

const RUN_MS = 5 * 60 * 1000;

// Day separators in the viewer's time zone, and runs of one sender's messages, rebuilt after
// every change of the list.
function regroupDays() {
  const list = messages();
  if (!list) return;
  for (const sep of list.querySelectorAll(".day-sep")) sep.remove();
  let last = null;
  let previous = null;
  for (const article of list.querySelectorAll("article[data-created]")) {
    const at = Number(article.dataset.created);
    const key = dayKey(at);
    const run = previous && key === last && article.dataset.kind !== "system"
      && previous.dataset.kind === article.dataset.kind
      && previous.dataset.sender === article.dataset.sender
      && at - Number(previous.dataset.created) < RUN_MS;
    article.classList.toggle("msg-cont", Boolean(run));
    previous = article;
    if (key === last) continue;
    last = key;
    const sep = document.createElement("div");
    sep.className = "day-sep";
    sep.setAttribute("role", "separator");
    const time = document.createElement("time");
    time.dateTime = new Date(at).toISOString();
    time.dataset.format = "day";
    sep.append(time);
    article.before(sep);
  }
  formatTimes(list);
}

// --- messages arriving ----------------------------------------------------------------------

function insertArticle(article) {
  const list = messages();
  list.querySelector(".messages-empty")?.remove();
  const created = Number(article.dataset.created);
  const id = Number(article.dataset.messageId);
  const later = [...list.querySelectorAll("article[data-message-id]:not([data-optimistic])")].find((other) => {
    const at = Number(other.dataset.created);
    return at > created || (at === created && Number(other.dataset.messageId) > id);
  });
  if (later) later.before(article);
  else list.append(article);
}

function adopt(article) {
  const seen = seenStatus.get(article.dataset.messageId);
  if (seen && article.dataset.kind === "outgoing" && (RANK[seen.status] ?? 0) > (RANK[article.dataset.status] ?? 0)) {
    applyStatus(article, seen.status, seen.errorMessage);
  }
  formatTimes(article);
}

async function fetchArticle(messageId) {
  const content = await fragment(`/inbox/fragments/messages/${encodeURIComponent(messageId)}`);
  return content.querySelector("article");
}

async function appendMessage(messageId) {
  if (articleOf(messageId)) return;
  const follow = stick;
  let article;
  try { article = await fetchArticle(messageId); } catch { return; }
  if (!article || articleOf(messageId) || !messages()) return;  // arrived meanwhile
  adopt(article);
  insertArticle(article);
  regroupDays();
  if (follow) scrollToBottom();
}

const LABELS = { PENDING: "Sending…", SENT: "Sent", READ: "Read", FAILED: "Failed" };

// The markup of _message_macros.html's `delivery`.
function deliveryLine(status, errorMessage) {
  const line = document.createElement("p");
  line.className = "delivery";
  line.dataset.status = status;
  const icon = document.createElement("span");
  icon.className = "icon delivery-icon";
  icon.setAttribute("aria-hidden", "true");
  const label = document.createElement("span");
  label.className = "delivery-label";
  label.textContent = LABELS[status] ?? status;
  line.append(icon, label);
  if (status === "FAILED" && errorMessage) {
    const reason = document.createElement("span");
    reason.className = "delivery-reason";
    reason.textContent = `: ${errorMessage}`;
    line.append(reason);
  }
  return line;
}

export function applyStatus(article, status, errorMessage) {
  article.dataset.status = status;
  article.querySelector(".delivery")?.replaceWith(deliveryLine(status, errorMessage));
}

// --- sending (the composer calls this) ------------------------------------------------------

function optimisticArticle(mode, draft, files) {
  const article = document.createElement("article");
  const kind = mode === "comment" ? "comment" : "outgoing";
  article.className = `msg msg-${kind} msg-mine is-optimistic`;
  article.dataset.kind = kind;
  article.dataset.optimistic = "true";
  article.dataset.sender = document.querySelector(".user-menu .user-name")?.textContent || "You";
  article.dataset.created = String(Date.now());
  article.dataset.status = kind === "outgoing" ? "PENDING" : "";
  const main = document.createElement("div");
  main.className = "msg-main";
  const meta = document.createElement("div");
  meta.className = "msg-meta";
  const sender = document.createElement("span");
  sender.className = "msg-sender";
  sender.textContent = document.querySelector(".user-menu .user-name")?.textContent || "You";
  meta.append(sender);
  if (kind === "comment") {
    const tag = document.createElement("span");
    tag.className = "tag-internal";
    const lock = document.createElement("span");
    lock.className = "icon icon-lock";
    lock.setAttribute("aria-hidden", "true");
    tag.append(lock, "Internal note");
    meta.append(tag);
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (draft.text.trim()) {
    const body = document.createElement("div");
    body.className = "msg-body";
    body.textContent = draft.text;
    bubble.append(body);
  }
  if (files.length) {
    const list = document.createElement("div");
    list.className = "attachments";
    for (const f of files) {
      const chip = document.createElement("span");
      chip.className = "att att-file";
      chip.textContent = f.file.name;
      list.append(chip);
    }
    bubble.append(list);
  }
  main.append(meta, bubble);
  if (kind === "outgoing") main.append(deliveryLine("PENDING"));
  article.append(main);
  return article;
}

async function send(threadId, { mode, draft, files, body }) {
  const placeholder = optimisticArticle(mode, draft, files);
  messages().querySelector(".messages-empty")?.remove();
  messages().append(placeholder);
  regroupDays();
  scrollToBottom();
  let row;
  try {
    row = await postMessage(threadId, body);
  } catch (error) {
    placeholder.remove();
    regroupDays();
    throw error;
  }
  const id = String(row.id);
  if (articleOf(id)) { placeholder.remove(); regroupDays(); return; }  // the live event won
  placeholder.dataset.messageId = id;  // from now on the live path sees it and stays away
  let article;
  try { article = await fetchArticle(id); } catch { return; }
  if (!article || !placeholder.isConnected) return;
  adopt(article);
  placeholder.replaceWith(article);
  regroupDays();
  if (stick) scrollToBottom();
}

// --- working the conversation ---------------------------------------------------------------

export async function closeOrReopen() {
  const root = conversation();
  const button = root?.querySelector("[data-action=close-reopen]");
  if (!button || button.disabled) return;
  button.disabled = true;
  showError("");
  try {
    await api(`${API}/${root.dataset.threadId}`, { method: "PATCH", json: { status: button.dataset.next } });
    await refreshThread();
  } catch (error) {
    showError(error.message);
    button.disabled = false;
  }
}

async function assign(select) {
  const root = conversation();
  const threadId = root.dataset.threadId;
  const previous = root.dataset.assigneeId;
  select.disabled = true;
  showError("");
  try {
    if (select.value) {
      await api(`${API}/${threadId}/assignee`, { method: "PUT", json: { actorId: `A-${select.value}` } });
    } else {
      await api(`${API}/${threadId}/assignee`, { method: "DELETE" });
    }
    await refreshThread();
  } catch (error) {
    select.value = previous;
    select.disabled = false;
    showError(error.message);
  }
}

// Fresh header and sidebar from the server, and any message we do not show yet (system
// entries of assignment and status changes have no event of their own).
export async function refreshThread() {
  const root = conversation();
  if (!root) return;
  const threadId = root.dataset.threadId;
  const seq = ++refreshSeq;
  let content;
  try {
    content = await fragment(`/inbox/fragments/threads/${encodeURIComponent(threadId)}`);
  } catch {
    return;
  }
  if (seq !== refreshSeq || openThreadId() !== threadId) return;
  const fresh = content.querySelector('[data-pane="thread"] .conversation');
  root.dataset.status = fresh.dataset.status;
  root.dataset.assigneeId = fresh.dataset.assigneeId;
  root.querySelector(".conv-header").replaceWith(fresh.querySelector(".conv-header"));
  sidebar()?.replaceChildren(...content.querySelector('[data-pane="sidebar"]').childNodes);
  formatTimes(sidebar() ?? root);
  const follow = stick;
  for (const article of fresh.querySelectorAll("#messages article[data-message-id]")) {
    const mine = articleOf(article.dataset.messageId);
    if (mine && !mine.dataset.optimistic) {
      const ahead = (RANK[article.dataset.status] ?? 0) >= (RANK[mine.dataset.status] ?? 0);
      if (article.dataset.kind === "outgoing" && article.dataset.status !== mine.dataset.status && ahead) {
        formatTimes(article);
        mine.replaceWith(article);
      }
      continue;
    }
    if (mine) continue;  // an optimistic copy: its own request replaces it
    adopt(article);
    insertArticle(article);
  }
  regroupDays();
  if (follow) scrollToBottom();
}

// --- image viewer ---------------------------------------------------------------------------

function enlarge(button) {
  const dialog = document.getElementById("image-viewer");
  if (!dialog) return;
  const img = dialog.querySelector(".image-viewer-img");
  img.src = button.dataset.src;
  img.alt = button.dataset.name;
  dialog.querySelector(".image-viewer-name").textContent = button.dataset.name;
  const download = dialog.querySelector(".image-viewer-download");
  download.href = button.dataset.src;
  download.setAttribute("download", button.dataset.name);
  dialog.showModal();
  dialog.querySelector(".image-viewer-close").focus();
}

async function loadOlder(button) {
  button.disabled = true;
  const threadId = openThreadId();
  let content;
  try {
    content = await fragment(`/inbox/fragments/threads/${threadId}/messages?before=${button.dataset.before}`);
  } catch (error) {
    button.disabled = false;
    showError(error.message);
    return false;
  }
  if (!button.isConnected) return false;
  // Added above the view: the reversed scroller keeps what the reader looks at in place.
  for (const article of content.querySelectorAll("article[data-message-id]")) formatTimes(article);
  for (const sep of content.querySelectorAll(".day-sep")) sep.remove();
  button.closest(".older-messages").replaceWith(content);
  regroupDays();
  return true;
}

// --- live -----------------------------------------------------------------------------------

function onLive() {
  document.addEventListener("fd:message.created", (event) => {
    const { threadId, messageId } = event.detail;
    if (threadId !== openThreadId()) return;
    appendMessage(messageId);
    markRead(threadId);
  });
  document.addEventListener("fd:message.status_changed", (event) => {
    const { threadId, messageId, status, errorMessage } = event.detail;
    seenStatus.set(String(messageId), { status, errorMessage });
    if (seenStatus.size > 500) seenStatus.delete(seenStatus.keys().next().value);
    if (threadId !== openThreadId()) return;
    const article = articleOf(messageId);
    if (article && article.dataset.kind === "outgoing") applyStatus(article, status, errorMessage);
  });
  for (const name of ["conversation.assigned", "conversation.updated"]) {
    document.addEventListener(`fd:${name}`, (event) => {
      if (event.detail.threadId === openThreadId()) refreshThread();
    });
  }
  // Archived: the whole pane changes (the composer closes), so it is loaded again.
  document.addEventListener("fd:conversation.deleted", (event) => {
    if (event.detail.threadId === openThreadId()) openThread(event.detail.threadId, { push: false });
  });
  document.addEventListener("fd:resync", () => { if (openThreadId()) refreshThread(); });
  document.addEventListener("visibilitychange", () => {
    const id = openThreadId();
    if (id && document.visibilityState === "visible") markRead(id);
  });
}

function onClicks() {
  pane().addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target || !pane().contains(target)) return;
    const action = target.dataset.action;
    if (action === "close-reopen") closeOrReopen();
    else if (action === "enlarge") enlarge(target);
    else if (action === "older") loadOlder(target);
  });
  pane().addEventListener("change", (event) => {
    if (event.target.matches("select[data-action=assign]")) assign(event.target);
  });
  // A click on the backdrop (outside the picture's box) closes the viewer.
  pane().addEventListener("click", (event) => {
    if (event.target.matches("dialog.image-viewer")) event.target.close();
  });
  sidebar()?.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-thread-link]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    openThread(link.dataset.threadLink);
  });
  window.addEventListener("popstate", () => {
    const match = location.pathname.match(/^\/inbox\/threads\/(\d+)$/);
    if (match) openThread(match[1], { push: false });
    else if (location.pathname === "/inbox") {
      pane().replaceChildren(emptyState("Select a conversation", "Use j and k to move through the list."));
      sidebar()?.replaceChildren();
      document.getElementById("main")?.classList.remove("has-thread");
    }
  });
}

function rememberTimeZone() {
  // Lets the server group days as this browser does, so the first paint needs no regrouping.
  const zone = me().timeZone;
  if (zone && !document.cookie.includes(`frontdesk_tz=${encodeURIComponent(zone)}`)) {
    document.cookie = `frontdesk_tz=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
  }
}

export function initThreadPane() {
  if (!pane()) return;
  rememberTimeZone();
  onClicks();
  onLive();
  initContactOwner({ refresh: refreshThread });
  const id = openThreadId();
  if (id) {
    history.replaceState({ threadId: id }, "", location.href);
    wirePane();
    markRead(id);
  }
}
