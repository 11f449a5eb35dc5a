// The channel picker above the composer (issue 7): keep replying over the thread's channel,
// email the contact, or log a call. Each choice shows its own form; an email or a call is
// posted to /frontdesk/v1/threads/{id}/emails|calls and then arrives in the message list
// through the same path as a live `message.created` event.
import { api } from "./api.js";

const SAFE_URL = /^(https?:|mailto:)/i;

function showError(form, message) {
  const box = form.querySelector(".switch-error");
  box.textContent = message || "";
  box.hidden = !message;
}

// "12:05" -> 725; "7" -> 420 (minutes); null when it is not a duration.
export function parseDuration(value) {
  const match = /^\s*(\d{1,4})(?::([0-5]?\d))?\s*$/.exec(value || "");
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2] || 0);
}

function choose(root, key) {
  const composer = root.querySelector("#composer");
  if (composer) composer.hidden = key !== "thread";
  for (const form of root.querySelectorAll(".switch-form")) form.hidden = form.dataset.channel !== key;
  const shown = root.querySelector(`.switch-form[data-channel="${key}"]`);
  shown?.querySelector(".editor")?.focus();
}

// The new message joins the list as a live one would (thread.js ignores one it already has).
function announce(threadId, row) {
  const detail = { threadId: String(threadId), messageId: String(row.id) };
  document.dispatchEvent(new CustomEvent("fd:message.created", { detail }));
}

async function post(form, path, body, done) {
  const button = form.querySelector(".send");
  if (button.disabled) return;
  button.disabled = true;
  showError(form, "");
  try {
    const row = await api(path, { method: "POST", json: body });
    done(row);
  } catch (error) {
    showError(form, error.message);
  } finally {
    button.disabled = false;
  }
}

function wireEmail(form, threadId) {
  const editor = form.querySelector(".editor");
  const refresh = () => editor.classList.toggle("is-empty", !editor.textContent.trim() && !editor.querySelector("li"));
  editor.addEventListener("input", refresh);
  for (const button of form.querySelectorAll(".fmt[data-command]")) {
    button.addEventListener("mousedown", (event) => event.preventDefault());  // keep the selection
    button.addEventListener("click", () => {
      editor.focus();
      const command = button.dataset.command;
      if (command === "createLink") {
        const url = window.prompt("Link address (https://…)", "https://");
        if (!url || !SAFE_URL.test(url.trim())) return;
        if (window.getSelection()?.isCollapsed) document.execCommand("insertText", false, url.trim());
        else document.execCommand("createLink", false, url.trim());
      } else {
        document.execCommand(command, false);
      }
      refresh();
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = editor.innerText.replace(/\n$/, "");
    if (!text.trim()) { showError(form, "Write the email first."); return; }
    const subject = form.elements.subject.value.trim();
    if (!subject) { showError(form, "The email needs a subject."); return; }
    // The server sanitises the HTML and derives nothing from it when `text` is given.
    const body = { to: form.elements.to.value, subject, text, richText: editor.innerHTML };
    post(form, `/frontdesk/v1/threads/${threadId}/emails`, body, (row) => {
      editor.replaceChildren();
      refresh();
      announce(threadId, row);
    });
  });
}

function wireCall(form, threadId) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = parseDuration(form.elements.duration.value);
    if (seconds === null) { showError(form, "Duration as minutes:seconds, e.g. 4:30."); return; }
    const body = { outcome: form.elements.outcome.value, durationSeconds: seconds, notes: form.elements.notes.value };
    post(form, `/frontdesk/v1/threads/${threadId}/calls`, body, (row) => {
      form.elements.notes.value = "";
      form.elements.duration.value = "0:00";
      announce(threadId, row);
    });
  });
}

// Back to the thread's own channel (the `r` and `c` keys write there, whatever is picked).
export function showThreadChannel(root) {
  const pick = root.querySelector(".channel-pick");
  if (!pick || pick.value === "thread") return;
  pick.value = "thread";
  choose(root, "thread");
}

export function initChannelSwitch(root) {
  const pick = root.querySelector(".channel-pick");
  if (!pick || pick.dataset.wired) return;
  pick.dataset.wired = "true";
  const threadId = root.dataset.threadId;
  pick.value = "thread";
  pick.addEventListener("change", () => choose(root, pick.value));
  const email = root.querySelector(".email-form");
  if (email) wireEmail(email, threadId);
  const call = root.querySelector(".call-form");
  if (call) wireCall(call, threadId);
}
