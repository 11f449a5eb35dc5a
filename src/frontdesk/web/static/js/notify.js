// Notifications: the in-app counter on the bell, and a browser notification (when the user
// allowed them and kept them on in their settings) for each `notification.created` event.
import { api } from "./api.js";
import { formatTimes } from "./live.js";
import { openThread } from "./thread.js";

let settings = null;
let unread = 0;

function showCount() {
  const badge = document.getElementById("notif-count");
  if (!badge) return;
  badge.textContent = unread > 99 ? "99+" : String(unread);
  badge.hidden = unread === 0;
  document.getElementById("notif-bell")?.setAttribute(
    "aria-label", unread ? `Notifications: ${unread} unread` : "Notifications");
}

async function refreshCount() {
  try {
    const data = await api("/frontdesk/v1/notifications?unreadOnly=true&limit=1");
    unread = data.unreadCount ?? 0;
    showCount();
  } catch { /* the counter is a convenience; the list stays correct without it */ }
}

function goTo(threadId) {
  if (document.getElementById("thread-list")) openThread(threadId);
  else window.location.assign(`/inbox/threads/${threadId}`);
}

// The bell's list: built with textContent only (titles and previews are customers' words).
async function showList() {
  const list = document.getElementById("notif-list");
  if (!list) return;
  let data;
  try {
    data = await api("/frontdesk/v1/notifications?limit=20");
  } catch {
    list.replaceChildren(Object.assign(document.createElement("li"), { className: "notif-empty", textContent: "Could not load notifications." }));
    return;
  }
  unread = data.unreadCount ?? 0;
  showCount();
  if (!data.results.length) {
    list.replaceChildren(Object.assign(document.createElement("li"), { className: "notif-empty", textContent: "Nothing yet." }));
    return;
  }
  list.replaceChildren(...data.results.map((item) => {
    const li = document.createElement("li");
    li.className = item.readAt ? "" : "unread";
    li.dataset.threadId = item.threadId;
    const link = Object.assign(document.createElement("a"), { href: `/inbox/threads/${item.threadId}` });
    const time = document.createElement("time");
    time.setAttribute("datetime", item.createdAt);
    link.append(
      Object.assign(document.createElement("strong"), { textContent: item.title }),
      Object.assign(document.createElement("span"), { className: "notif-body", textContent: item.body }),
      time,
    );
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey) return;
      event.preventDefault();
      document.getElementById("notif-menu").open = false;
      goTo(item.threadId);
    });
    li.append(link);
    return li;
  }));
  formatTimes(list);
}

function browserNotify(detail) {
  if (!settings?.enabled || !settings?.browser) return;
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const open = document.querySelector("#thread-pane [data-thread-id]")?.dataset.threadId;
  if (!document.hidden && open === String(detail.threadId)) return;  // already looking at it
  const note = new Notification(detail.title || "Frontdesk", {
    body: detail.body || "",
    tag: `thread-${detail.threadId}`,
  });
  note.addEventListener("click", () => {
    window.focus();
    goTo(detail.threadId);
  });
}

export async function initNotifications() {
  document.addEventListener("fd:notification.created", (event) => {
    unread += 1;
    showCount();
    browserNotify(event.detail);
    document.dispatchEvent(new CustomEvent("fd:notified", { detail: event.detail }));
  });
  document.addEventListener("fd:thread-opened", () => setTimeout(refreshCount, 0));
  document.addEventListener("fd:resync", refreshCount);
  document.addEventListener("fd:notification.read", refreshCount);  // read in another tab
  document.getElementById("notif-menu")?.addEventListener("toggle", (event) => {
    if (event.target.open) showList();
  });
  document.getElementById("notif-read-all")?.addEventListener("click", async () => {
    await api("/frontdesk/v1/notifications/read", { method: "POST", json: { all: true } });
    await showList();
  });
  const state = document.getElementById("permission-state");
  state?.replaceChildren("Notification" in window ? Notification.permission : "not supported");
  document.getElementById("browser-permission")?.addEventListener("click", async () => {
    state?.replaceChildren(await Notification.requestPermission());
  });
  try {
    settings = await api("/frontdesk/v1/me/notification-settings");
  } catch { settings = null; }
  await refreshCount();
}
