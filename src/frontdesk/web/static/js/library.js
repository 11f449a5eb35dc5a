// The library settings pages: upload a document or video (the file goes to the files upload,
// then the library API names it), and the article body's small rich-text editor.
import { api } from "./api.js";

async function uploadFile(file) {
  const body = new FormData();
  body.append("file", file, file.name);
  body.append("options", JSON.stringify({ access: "PRIVATE", duplicateValidationStrategy: "NONE" }));
  const uploaded = await api("/files/v3/files", { method: "POST", body });
  return Number(uploaded.id);
}

// "2:15" -> 135, "95" -> 95, "" -> null; NaN when unreadable.
export function seconds(text) {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d+(:\d+){0,2}$/.test(value)) return NaN;
  return value.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

function videoDuration(file) {
  // Read from the file when the browser can play it; null when it cannot (the field stays optional).
  return new Promise((resolve) => {
    const video = document.createElement("video");
    const url = URL.createObjectURL(file);
    const done = (value) => { URL.revokeObjectURL(url); resolve(value); };
    video.preload = "metadata";
    video.onloadedmetadata = () => done(Number.isFinite(video.duration) ? Math.round(video.duration) : null);
    video.onerror = () => done(null);
    video.src = url;
  });
}

function baseName(file) {
  return file.name.replace(/\.[^.]+$/, "") || file.name;
}

async function submitUpload(form) {
  const error = form.querySelector(".upload-error");
  const button = form.querySelector("button[type=submit]");
  const file = form.elements.file.files[0];
  const fail = (message) => { error.textContent = message; error.hidden = false; };
  error.hidden = true;
  if (!file) return fail("Choose a file to upload.");
  const maxBytes = Number(form.dataset.maxBytes);
  if (maxBytes && file.size > maxBytes) return fail(`${file.name} is too large to upload.`);
  const name = form.elements.name.value.trim() || baseName(file);
  button.disabled = true;
  try {
    if (form.dataset.kind === "document") {
      const fileId = await uploadFile(file);
      await api("/frontdesk/v1/library/documents", { method: "POST", json: { name, fileId } });
      location.assign("/settings/library/documents?saved=document-added");
      return;
    }
    let duration = seconds(form.elements.duration.value);
    if (Number.isNaN(duration)) { button.disabled = false; return fail("Write the duration as minutes:seconds, e.g. 2:15."); }
    if (duration === null) duration = await videoDuration(file);
    const poster = form.elements.poster.files[0];
    const fileId = await uploadFile(file);
    const posterFileId = poster ? await uploadFile(poster) : null;
    await api("/frontdesk/v1/library/videos", {
      method: "POST",
      json: { name, fileId, durationSeconds: duration, posterFileId },
    });
    location.assign("/settings/library/videos?saved=video-added");
  } catch (exc) {
    button.disabled = false;
    fail(exc.message);
  }
}

for (const form of document.querySelectorAll("form.library-upload")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitUpload(form);
  });
}

// The article body: a contenteditable area kept in sync with the form's textarea (which stays
// the form field, and is what a browser without scripts edits). The server sanitises anyway.
const COMMANDS = [
  ["bold", "B", "Bold"],
  ["italic", "I", "Italic"],
  ["insertUnorderedList", "•", "Bulleted list"],
  ["insertOrderedList", "1.", "Numbered list"],
  ["formatBlock:h2", "H", "Heading"],
  ["createLink", "Link", "Link"],
];

function richEditor(textarea) {
  const editor = document.createElement("div");
  editor.className = "rich-editor";
  const toolbar = document.createElement("div");
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Formatting");
  const area = document.createElement("div");
  area.className = "rich-area";
  area.contentEditable = "true";
  area.setAttribute("role", "textbox");
  area.setAttribute("aria-multiline", "true");
  area.setAttribute("aria-labelledby", `${textarea.id}-label`);
  area.innerHTML = textarea.value;
  for (const [command, text, label] of COMMANDS) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
    button.addEventListener("click", () => {
      const [name, value] = command.split(":");
      if (name === "createLink") {
        const url = prompt("Link address (https://…)");
        if (!url) return;
        document.execCommand(name, false, url);
      } else {
        document.execCommand(name, false, value ?? null);
      }
      sync();
    });
    toolbar.append(button);
  }
  const sync = () => { textarea.value = area.innerHTML; };
  area.addEventListener("input", sync);
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label) {
    label.id = `${textarea.id}-label`;
    label.addEventListener("click", () => area.focus());
  }
  editor.append(toolbar, area);
  textarea.hidden = true;
  textarea.after(editor);
  textarea.form.addEventListener("submit", sync);
}

for (const textarea of document.querySelectorAll("textarea[data-rich-text]")) richEditor(textarea);
