// The composer: a reply over the thread's channel or an internal comment, shaped by what the
// channel can deliver (the server renders only the formatting buttons it allows and writes
// its file limits on the form). Files are checked against those limits before any upload.
import { api, me } from "./api.js";
import { initChannelSwitch, showThreadChannel } from "./channel_switch.js";
import { initInserts } from "./inserts.js";
import { initMentions, mentionsIn } from "./mentions.js";

const API = "/conversations/v3/conversations/threads";
const BLOCKS = new Set(["p", "div", "br"]);
const SAFE_URL = /^(https?:|mailto:|tel:)/i;

let current = null;  // the state of the composer on screen (one open thread at a time)

export function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function flag(form, name) {
  return form.dataset[name] === "true";
}

function limits(form, mode) {
  const d = form.dataset;
  if (mode === "comment") {
    return { filesAllowed: true, maxFiles: Number(d.commentMaxFiles), maxFileBytes: Number(d.maxUploadBytes), maxTotal: null, mimeTypes: null };
  }
  return {
    filesAllowed: flag(form, "filesAllowed"),
    maxFiles: Number(d.maxFiles),
    maxFileBytes: Number(d.maxFileBytes),
    maxTotal: d.maxTotalBytes ? Number(d.maxTotalBytes) : null,
    mimeTypes: d.mimeTypes === "*" ? null : d.mimeTypes.split(",").filter(Boolean),
  };
}

function mimeAllowed(type, allowed) {
  if (!allowed) return true;
  return allowed.some((a) => a === "*/*" || a === type || (a.endsWith("/*") && type.startsWith(a.slice(0, -1))));
}

// Why `files` cannot join the `staged` ones in this mode, or null when they can.
export function refusal(form, mode, staged, files) {
  const rule = limits(form, mode);
  if (!rule.filesAllowed) return "This channel cannot send files. Switch to Internal comment to share a file with your team.";
  const count = staged.length + files.length;
  if (count > rule.maxFiles) {
    const where = mode === "comment" ? "A comment carries" : "This channel sends";
    return `${where} at most ${rule.maxFiles} file${rule.maxFiles === 1 ? "" : "s"} per message.`;
  }
  let total = staged.reduce((sum, f) => sum + f.file.size, 0);
  for (const file of files) {
    if (file.size > rule.maxFileBytes) {
      return `${file.name} is ${humanSize(file.size)}; ${mode === "comment" ? "files" : "this channel sends files"} up to ${humanSize(rule.maxFileBytes)}.`;
    }
    if (!mimeAllowed(file.type || "application/octet-stream", rule.mimeTypes)) {
      return `${file.name} is a ${file.type || "unknown"} file; this channel sends only ${rule.mimeTypes.join(", ")}.`;
    }
    total += file.size;
  }
  if (rule.maxTotal !== null && total > rule.maxTotal) {
    return `These files add up to ${humanSize(total)}; this channel sends up to ${humanSize(rule.maxTotal)} per message.`;
  }
  return null;
}

// --- rich text: only the tags the channel delivers leave the editor -------------------------

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function serialise(node, allowed) {
  let out = "";
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) { out += escapeHtml(child.data); continue; }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = child.tagName.toLowerCase();
    const inner = serialise(child, allowed);
    if (tag === "br") { out += "<br>"; continue; }
    if (!allowed.has(tag)) { out += BLOCKS.has(tag) ? `<div>${inner}</div>` : inner; continue; }
    let attrs = "";
    if (tag === "a") {
      const href = child.getAttribute("href") || "";
      if (!SAFE_URL.test(href)) { out += inner; continue; }
      attrs = ` href="${escapeHtml(href)}"`;
    } else if (tag === "img") {
      const src = child.getAttribute("src") || "";
      if (!/^https?:/i.test(src)) continue;
      out += `<img src="${escapeHtml(src)}" alt="${escapeHtml(child.getAttribute("alt") || "")}">`;
      continue;
    }
    out += `<${tag}${attrs}>${inner}</${tag}>`;
  }
  return out;
}

function editorOf(form) {
  return form.querySelector(".editor");
}

function readEditor(form) {
  const editor = editorOf(form);
  if (editor.tagName === "TEXTAREA") return { text: editor.value, richText: null };
  const allowed = new Set(form.dataset.replyTags.split(",").filter(Boolean));
  const text = editor.innerText.replace(/\n$/, "");
  const formatted = editor.querySelector("b, strong, i, em, u, ul, ol, blockquote, a, img");
  return { text, richText: formatted ? serialise(editor, allowed) : null };
}

function clearEditor(form) {
  const editor = editorOf(form);
  if (editor.tagName === "TEXTAREA") editor.value = "";
  else editor.replaceChildren();
  updateEmpty(form);
}

function restoreEditor(form, draft) {
  const editor = editorOf(form);
  if (editor.tagName === "TEXTAREA") editor.value = draft.text;
  else editor.textContent = draft.text;
  updateEmpty(form);
}

function updateEmpty(form) {
  const editor = editorOf(form);
  if (editor.tagName !== "TEXTAREA") editor.classList.toggle("is-empty", !editor.textContent.trim() && !editor.querySelector("img, li"));
}

// --- state and rendering --------------------------------------------------------------------

function showError(form, message) {
  const box = form.querySelector(".composer-error");
  box.textContent = message || "";
  box.hidden = !message;
}

function setMode(form, mode) {
  form.dataset.mode = mode;
  for (const tab of form.querySelectorAll(".composer-tab")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  }
  const blocked = form.querySelector(".composer-blocked");
  const usable = mode === "reply" ? flag(form, "replyAllowed") : flag(form, "commentAllowed");
  if (blocked) blocked.hidden = blocked.dataset.blocks === "reply" && mode === "comment";
  const editor = editorOf(form);
  if (editor.tagName === "TEXTAREA") editor.disabled = !usable;
  else editor.contentEditable = usable ? "true" : "false";
  editor.setAttribute("aria-disabled", String(!usable));
  const placeholder = mode === "reply" ? "Write a reply…" : "Write an internal comment — only your team sees it…";
  if (editor.tagName === "TEXTAREA") editor.placeholder = placeholder;
  else editor.dataset.placeholder = placeholder;
  for (const control of form.querySelectorAll(".composer-toolbar button, .attach, .send")) control.disabled = !usable;
  form.querySelector(".send").textContent = mode === "reply" ? "Send" : "Add comment";
  const attach = form.querySelector(".attach");
  attach.title = usable ? limitText(form, mode) : "";
  showError(form, "");
}

function limitText(form, mode) {
  const rule = limits(form, mode);
  if (!rule.filesAllowed || rule.maxFiles === 0) return "No files on this channel";
  return `Up to ${rule.maxFiles} file${rule.maxFiles === 1 ? "" : "s"}, ${humanSize(rule.maxFileBytes)} each`;
}

function renderFiles(state) {
  const list = state.form.querySelector(".composer-files");
  list.replaceChildren(...state.files.map((entry) => {
    const item = document.createElement("li");
    item.className = `file-chip ${entry.status}`;
    const name = document.createElement("span");
    name.className = "file-chip-name";
    name.textContent = entry.file.name;
    const size = document.createElement("span");
    size.className = "file-chip-size";
    size.textContent = entry.status === "uploading" ? "Uploading…" : entry.status === "error" ? entry.error : humanSize(entry.file.size);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "file-chip-remove";
    remove.setAttribute("aria-label", `Remove ${entry.file.name}`);
    remove.textContent = "×";
    remove.addEventListener("click", () => {
      state.files = state.files.filter((f) => f !== entry);
      renderFiles(state);
    });
    item.append(name, size, remove);
    return item;
  }));
  list.hidden = state.files.length === 0;
}

async function upload(state, entry) {
  const body = new FormData();
  body.append("file", entry.file, entry.file.name);
  body.append("options", JSON.stringify({ access: "PRIVATE" }));
  try {
    const file = await api("/files/v3/files", { method: "POST", body });
    entry.id = String(file.id);
    entry.url = file.url;
    entry.status = "ready";
  } catch (error) {
    entry.status = "error";
    entry.error = error.message;
  }
  renderFiles(state);
  return entry;
}

export function addFiles(files) {
  const state = current;
  if (!state) return false;
  const chosen = [...files];
  if (!chosen.length) return false;
  const mode = state.form.dataset.mode;
  const usable = mode === "reply" ? flag(state.form, "replyAllowed") : flag(state.form, "commentAllowed");
  if (!usable) {
    showError(state.form, state.form.querySelector(".composer-blocked")?.textContent.trim() || "Messages cannot be sent here.");
    return false;
  }
  const why = refusal(state.form, mode, state.files, chosen);
  if (why) { showError(state.form, why); return false; }
  showError(state.form, "");
  for (const file of chosen) {
    const entry = { file, status: "uploading", id: null };
    entry.done = upload(state, entry);
    state.files.push(entry);
  }
  renderFiles(state);
  return true;
}

// Files already uploaded (an insertion's `fileIds`) join the message: [{id, name, size, type}].
export function stageFiles(files) {
  const state = current;
  if (!state || !files.length) return false;
  const mode = state.form.dataset.mode;
  const why = refusal(state.form, mode, state.files, files);
  if (why) { showError(state.form, why); return false; }
  for (const { id, name, size, type } of files) {
    const entry = { file: { name, size, type }, status: "ready", id: String(id) };
    entry.done = Promise.resolve(entry);
    state.files.push(entry);
  }
  renderFiles(state);
  return true;
}

// --- sending --------------------------------------------------------------------------------

async function submit(state) {
  const { form } = state;
  const mode = form.dataset.mode;
  const usable = mode === "reply" ? flag(form, "replyAllowed") : flag(form, "commentAllowed");
  if (!usable || state.sending) return;
  const draft = readEditor(form);
  if (!draft.text.trim() && !state.files.length) return;
  const why = refusal(form, mode, [], state.files.map((f) => f.file));
  if (state.files.length && why) { showError(form, why); return; }
  state.sending = true;
  const files = state.files;
  try {
    await Promise.all(files.map((f) => f.done));
    const failed = files.find((f) => f.status !== "ready");
    if (failed) { showError(form, `${failed.file.name} could not be uploaded: ${failed.error}`); return; }
    state.files = [];
    renderFiles(state);
    clearEditor(form);
    showError(form, "");
    await state.send({ mode, draft, files, body: body(form, mode, draft, files) }).catch((error) => {
      restoreEditor(form, draft);
      state.files = files;
      renderFiles(state);
      showError(form, error.message);
    });
  } finally {
    state.sending = false;
  }
}

function body(form, mode, draft, files) {
  const attachments = files.map((f) => ({ type: "FILE", fileId: f.id }));
  const rich = draft.richText ? { richText: draft.richText } : {};
  if (mode === "comment") {
    const mentions = mentionsIn(form, draft.text);  // @teammates (mentions.js)
    return { type: "COMMENT", text: draft.text, ...rich, attachments, ...(mentions.length ? { mentions } : {}) };
  }
  return {
    type: "MESSAGE",
    text: draft.text,
    ...rich,
    senderActorId: me().actorId,
    channelId: form.dataset.channelId,
    channelAccountId: form.dataset.accountId,
    recipients: [],
    attachments,
  };
}

export function postMessage(threadId, payload) {
  return api(`${API}/${threadId}/messages`, { method: "POST", json: payload });
}

// --- wiring ---------------------------------------------------------------------------------

function runCommand(form, command) {
  const editor = editorOf(form);
  editor.focus();
  if (command === "blockquote") {
    const inQuote = window.getSelection()?.anchorNode?.parentElement?.closest("blockquote");
    document.execCommand("formatBlock", false, inQuote ? "div" : "blockquote");
  } else if (command === "createLink") {
    const url = window.prompt("Link address (https://…)", "https://");
    if (!url || !SAFE_URL.test(url.trim())) return;
    if (window.getSelection()?.isCollapsed) document.execCommand("insertText", false, url.trim());
    else document.execCommand("createLink", false, url.trim());
  } else {
    document.execCommand(command, false);
  }
  syncToolbar(form);
  updateEmpty(form);
}

function syncToolbar(form) {
  for (const button of form.querySelectorAll(".fmt[data-command]")) {
    const command = button.dataset.command;
    if (["bold", "italic", "underline", "insertUnorderedList", "insertOrderedList"].includes(command)) {
      button.setAttribute("aria-pressed", String(document.queryCommandState(command)));
    }
  }
}

async function insertInlineImage(state, file) {
  const form = state.form;
  if (!file.type.startsWith("image/")) { showError(form, `${file.name} is not an image.`); return; }
  if (file.size > Number(form.dataset.maxUploadBytes)) {
    showError(form, `${file.name} is ${humanSize(file.size)}; images up to ${humanSize(Number(form.dataset.maxUploadBytes))}.`);
    return;
  }
  const entry = await upload(state, { file, status: "uploading" });
  if (entry.status !== "ready") { showError(form, entry.error); return; }
  const img = document.createElement("img");
  img.src = new URL(entry.url, location.href).href;
  img.alt = file.name;
  editorOf(form).append(img);
  updateEmpty(form);
}

export function initComposer(form, { send }) {
  const state = { form, files: [], sending: false, send };
  current = state;
  const editor = editorOf(form);
  const conversation = form.closest(".conversation") || form;

  for (const tab of form.querySelectorAll(".composer-tab")) {
    tab.addEventListener("click", () => { setMode(form, tab.dataset.mode); editor.focus(); });
  }
  form.querySelector(".composer-tabs").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const next = form.dataset.mode === "reply" ? "comment" : "reply";
    setMode(form, next);
    form.querySelector(`.composer-tab[data-mode="${next}"]`).focus();
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(state); });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit(state);
    }
  });
  editor.addEventListener("input", () => updateEmpty(form));
  if (editor.tagName !== "TEXTAREA") {
    editor.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      event.preventDefault();
      if (files.length) { addFiles(files); return; }
      document.execCommand("insertText", false, event.clipboardData.getData("text/plain"));
    });
    editor.addEventListener("keyup", () => syncToolbar(form));
    editor.addEventListener("mouseup", () => syncToolbar(form));
  }
  for (const button of form.querySelectorAll(".fmt[data-command]")) {
    button.addEventListener("mousedown", (event) => event.preventDefault());  // keep the selection
    button.addEventListener("click", () => runCommand(form, button.dataset.command));
  }
  const inlineInput = form.querySelector(".inline-image-input");
  form.querySelector("[data-action=inline-image]")?.addEventListener("click", () => inlineInput.click());
  inlineInput?.addEventListener("change", () => {
    if (inlineInput.files[0]) insertInlineImage(state, inlineInput.files[0]);
    inlineInput.value = "";
  });
  const fileInput = form.querySelector(".file-input");
  form.querySelector("[data-action=attach]").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => { addFiles(fileInput.files); fileInput.value = ""; });

  // Files dropped anywhere on the conversation join the message being written.
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  conversation.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    form.classList.add("dragging");
  });
  conversation.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) form.classList.remove("dragging");
  });
  conversation.addEventListener("dragover", (event) => { if (hasFiles(event)) event.preventDefault(); });
  conversation.addEventListener("drop", (event) => {
    if (!event.dataTransfer?.files?.length) return;
    event.preventDefault();
    depth = 0;
    form.classList.remove("dragging");
    addFiles(event.dataTransfer.files);
  });

  initChannelSwitch(conversation);  // the email / call picker above the composer (issue 7)
  initInserts(form, {  // the Insert menu and `#shortcut` (issue 7)
    threadId: conversation.dataset.threadId,
    stageFiles,
    showError: (message) => showError(form, message),
  });
  initMentions(form);  // `@` in comment mode lists teammates (issue 7)
  setMode(form, "reply");
  updateEmpty(form);
  return state;
}

export function focusComposer(mode = "reply") {
  if (!current || !current.form.isConnected) return;
  showThreadChannel(current.form.closest(".conversation") || current.form);
  setMode(current.form, mode);
  const editor = editorOf(current.form);
  editor.focus();
  if (editor.tagName !== "TEXTAREA") {
    const range = document.createRange();
    range.selectNodeContents(editor);
    range.collapse(false);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
}
