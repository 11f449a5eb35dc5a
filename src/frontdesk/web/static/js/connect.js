// Connect a channel: choosing a channel creates a staging token on the server and opens the
// channel's connection page in a pop-up; the bridge completes the token there, and this page
// moves to the account's routing step when `staging_token.completed` names our connection.
// If the live stream was down meanwhile (the event may be missed), a small status fragment is
// polled: on every reconnect, and every few seconds while the stream is not live.

import { connect } from "./live.js";

const POLL_MS = 3000;
const form = document.getElementById("connect-form");
const wait = document.getElementById("connect-wait");
const errorBox = document.getElementById("connect-error");
let popup = null;
let waiting = null; // { connectionId, statusUrl, timer }

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

function showError(message) {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function finish(url) {
  if (!waiting) return;
  clearInterval(waiting.timer);
  waiting = null;
  if (popup && !popup.closed) popup.close();
  window.location.assign(url);
}

async function poll() {
  if (!waiting) return;
  const response = await fetch(waiting.statusUrl, { headers: { "X-Frontdesk-Fragment": "1" }, credentials: "same-origin" });
  if (!response.ok || !waiting) return;
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const status = holder.querySelector(".connect-status");
  if (status?.dataset.state === "completed" && status.dataset.next) finish(status.dataset.next);
  else if (status?.dataset.state === "expired") {
    clearInterval(waiting.timer);
    waiting = null;
    document.getElementById("connect-wait-text")?.replaceChildren(...status.childNodes);
  }
}

function waitFor(connectionId, statusUrl) {
  waiting = {
    connectionId,
    statusUrl,
    timer: setInterval(() => { if (document.body.dataset.live !== "live") poll(); }, POLL_MS),
  };
}

// The event names only the connection's public id; the account id leads to the routing step.
connect().addEventListener("staging_token.completed", (event) => {
  const detail = event.data ? JSON.parse(event.data) : {};
  if (waiting && detail.connectionId === waiting.connectionId) {
    finish(`/settings/inbox/accounts/${detail.channelAccountId}/routing?connected=1`);
  }
});
document.addEventListener("fd:live", (event) => { if (event.detail.state === "live") poll(); });

async function start(channelId) {
  // Opened now, inside the click, or the browser blocks it; pointed at the bridge once the
  // server has made the staging token. The bridge gets no handle on this page (opener null).
  popup = window.open("", "frontdesk-connect", "popup,width=520,height=700");
  if (popup) popup.opener = null;
  const body = new FormData(form);
  body.set("channel_id", channelId);
  const response = await fetch(form.action, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-Frontdesk-Fragment": "1", "X-CSRF-Token": csrf() },
  });
  const data = await response.json();
  if (!response.ok) {
    if (popup) popup.close();
    showError(data.message || "The connection could not start.");
    return;
  }
  const link = document.getElementById("connect-popup-link");
  link.href = data.popupUrl;
  if (popup) popup.location.href = data.popupUrl;
  else link.hidden = false; // pop-ups blocked: the admin opens it with the link
  form.hidden = true;
  wait.hidden = false;
  waitFor(data.connectionId, data.statusUrl);
}

if (form) {
  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || button.name !== "channel_id") return;
    event.preventDefault();
    if (errorBox) errorBox.hidden = true;
    start(button.value).catch((error) => showError(`The connection could not start: ${error.message}`));
  });
  // Links to the direct form carry the chosen inbox.
  const inbox = document.getElementById("connect-inbox");
  inbox.addEventListener("change", () => {
    for (const link of form.querySelectorAll("a.direct-link")) {
      const url = new URL(link.href);
      url.searchParams.set("inbox", inbox.value);
      link.href = url.toString();
    }
  });
  document.getElementById("connect-cancel")?.addEventListener("click", () => {
    if (waiting) clearInterval(waiting.timer);
    waiting = null;
    if (popup && !popup.closed) popup.close();
    wait.hidden = true;
    form.hidden = false;
  });
} else if (wait?.dataset.connectionId) {
  // The page served after a post without script support: wait for the same event.
  waitFor(wait.dataset.connectionId, wait.dataset.statusUrl);
  poll();
}
