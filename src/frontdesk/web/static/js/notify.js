// Notifications: the in-app counter on the bell, and a browser notification (when the user
// allowed them and kept them on in their settings) for each `notification.created` event.
import { api } from "./api.js";
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
    if (document.getElementById("thread-list")) openThread(detail.threadId);
    else window.location.assign(`/inbox/threads/${detail.threadId}`);
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
