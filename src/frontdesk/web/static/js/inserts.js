// The composer's insert menu (issue 7): snippets, meeting links and whatever else the server's
// insert sources offer. Nothing here knows a kind: the tabs and their labels come from
// GET /frontdesk/v1/threads/{id}/inserts, an item from POST on the same path as
// {text, html, fileIds} for this thread's channel. Typing `#word` in the editor opens the
// snippets pre-filled; Up/Down choose, Enter inserts, Esc closes.
import { api } from "./api.js";

const DEBOUNCE_MS = 150;
const HASH = /(^|\s)#([\w-]{0,64})$/;

let current = null;  // the menu of the composer on screen

function editorOf(form) {
  return form.querySelector(".editor");
}

const isPlain = (editor) => editor.tagName === "TEXTAREA";

// --- the caret ------------------------------------------------------------------------------

function saveCaret(state) {
  const editor = editorOf(state.form);
  if (isPlain(editor)) {
    state.caret = { start: editor.selectionStart, end: editor.selectionEnd };
    return;
  }
  const selection = window.getSelection();
  const range = selection?.rangeCount ? selection.getRangeAt(0) : null;
  state.caret = range && editor.contains(range.startContainer) ? range.cloneRange() : null;
}

function restoreCaret(state) {
  const editor = editorOf(state.form);
  editor.focus();
  if (isPlain(editor)) {
    const { start, end } = state.caret || { start: editor.value.length, end: editor.value.length };
    editor.setSelectionRange(start, end);
    return;
  }
  let range = state.caret;
  if (!range) {
    range = document.createRange();
    range.selectNodeContents(editor);
    range.collapse(false);
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// The `#word` just before the caret, or null.
function hashBeforeCaret(editor) {
  if (isPlain(editor)) {
    if (editor.selectionStart !== editor.selectionEnd) return null;
    const match = HASH.exec(editor.value.slice(0, editor.selectionStart));
    return match ? { word: match[2], length: match[2].length + 1 } : null;
  }
  const selection = window.getSelection();
  if (!selection?.isCollapsed || !selection.rangeCount) return null;
  const node = selection.anchorNode;
  if (node?.nodeType !== Node.TEXT_NODE || !editor.contains(node)) return null;
  const match = HASH.exec(node.data.slice(0, selection.anchorOffset));
  return match ? { word: match[2], length: match[2].length + 1 } : null;
}

// Select the `#word` typed before the caret, so that the insertion replaces it.
function selectTrigger(state) {
  const editor = editorOf(state.form);
  const found = hashBeforeCaret(editor);
  if (!found) return;
  if (isPlain(editor)) {
    editor.setSelectionRange(editor.selectionStart - found.length, editor.selectionStart);
    return;
  }
  const selection = window.getSelection();
  const range = document.createRange();
  range.setStart(selection.anchorNode, selection.anchorOffset - found.length);
  range.setEnd(selection.anchorNode, selection.anchorOffset);
  selection.removeAllRanges();
  selection.addRange(range);
}

// --- the popover ----------------------------------------------------------------------------

function build(state) {
  const pop = document.createElement("div");
  pop.className = "insert-menu";
  pop.id = "insert-menu";
  pop.setAttribute("role", "dialog");
  pop.setAttribute("aria-label", "Insert");
  pop.hidden = true;
  pop.innerHTML = `
    <div class="insert-tabs" role="tablist" aria-label="What to insert"></div>
    <label class="visually-hidden" for="insert-search">Search</label>
    <input type="search" id="insert-search" class="insert-search" placeholder="Search…" autocomplete="off"
           role="combobox" aria-expanded="true" aria-controls="insert-results" aria-autocomplete="list">
    <ul class="insert-results" id="insert-results" role="listbox" aria-label="Results"></ul>
    <p class="insert-empty muted" hidden></p>`;
  state.form.querySelector(".composer-box").append(pop);
  const search = pop.querySelector(".insert-search");
  search.addEventListener("input", () => { state.query = search.value; schedule(state); });
  search.addEventListener("keydown", (event) => onKey(state, event));
  pop.addEventListener("mousedown", (event) => {
    if (event.target !== search) event.preventDefault();  // keep the caret where it is
  });
  return pop;
}

function isOpen(state) {
  return Boolean(state.pop && !state.pop.hidden);
}

function open(state, { kind = null, query = "", fromHash = false } = {}) {
  if (!state.pop) state.pop = build(state);
  if (!fromHash) saveCaret(state);
  state.fromHash = fromHash;
  state.kind = kind;
  state.query = query;
  state.selected = 0;
  state.pop.hidden = false;
  state.button?.setAttribute("aria-expanded", "true");
  const search = state.pop.querySelector(".insert-search");
  search.value = query;
  search.hidden = fromHash;
  if (!fromHash) search.focus();
  load(state);
}

function close(state, { refocus = true } = {}) {
  if (!isOpen(state)) return;
  state.pop.hidden = true;
  state.button?.setAttribute("aria-expanded", "false");
  clearTimeout(state.timer);
  state.seq += 1;  // answers still on their way are ignored
  if (refocus && !state.fromHash) restoreCaret(state);
}

function schedule(state) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => load(state), DEBOUNCE_MS);
}

async function load(state) {
  const seq = ++state.seq;
  const params = new URLSearchParams({ q: state.query, mode: state.form.dataset.mode || "reply" });
  if (state.fromHash && state.kind) params.set("kind", state.kind);  // `#word`: that kind only
  try {
    const body = await api(`/frontdesk/v1/threads/${state.threadId}/inserts?${params}`);
    if (seq !== state.seq) return;
    state.groups = body.results;
    if (!state.groups.some((g) => g.kind === state.kind)) state.kind = state.groups[0]?.kind ?? null;
    state.selected = 0;
    render(state);
  } catch (error) {
    if (seq !== state.seq) return;
    state.groups = [];
    render(state, error.message);
  }
}

function activeResults(state) {
  return state.groups.find((g) => g.kind === state.kind)?.results ?? [];
}

function render(state, error = "") {
  const pop = state.pop;
  const tabs = pop.querySelector(".insert-tabs");
  tabs.replaceChildren(...state.groups.map((group) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = "insert-tab";
    tab.setAttribute("role", "tab");
    tab.dataset.kind = group.kind;
    tab.setAttribute("aria-selected", String(group.kind === state.kind));
    tab.textContent = group.label;
    const count = document.createElement("span");
    count.className = "insert-count";
    count.textContent = String(group.results.length);
    tab.append(count);
    tab.addEventListener("click", () => {
      state.kind = group.kind;
      state.selected = 0;
      render(state);
      if (!state.fromHash) pop.querySelector(".insert-search").focus();
    });
    return tab;
  }));
  const results = activeResults(state);
  const list = pop.querySelector(".insert-results");
  list.replaceChildren(...results.map((item, index) => {
    const option = document.createElement("li");
    option.className = "insert-option";
    option.id = `insert-option-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", String(index === state.selected));
    option.dataset.kind = item.kind;
    option.dataset.id = item.id;
    const title = document.createElement("span");
    title.className = "insert-title";
    title.textContent = item.title;
    option.append(title);
    if (item.detail) {
      const detail = document.createElement("span");
      detail.className = "insert-detail";
      detail.textContent = item.detail;
      option.append(detail);
    }
    option.addEventListener("click", () => choose(state, item));
    return option;
  }));
  const search = pop.querySelector(".insert-search");
  if (results.length) search.setAttribute("aria-activedescendant", `insert-option-${state.selected}`);
  else search.removeAttribute("aria-activedescendant");
  const empty = pop.querySelector(".insert-empty");
  empty.textContent = error || (state.groups.length ? "Nothing matches." : "Nothing to insert yet.");
  empty.hidden = Boolean(results.length) && !error;
  list.querySelector("[aria-selected=true]")?.scrollIntoView({ block: "nearest" });
}

function move(state, step) {
  const results = activeResults(state);
  if (!results.length) return;
  state.selected = (state.selected + step + results.length) % results.length;
  render(state);
}

// Keys while the menu is open: from its search box, or from the editor after `#word`.
function onKey(state, event) {
  if (!isOpen(state)) return false;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    move(state, event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Enter" && !event.isComposing) {
    const item = activeResults(state)[state.selected];
    if (!item) { if (state.fromHash) return false; } else choose(state, item);
  } else if (event.key === "Escape") {
    close(state);
  } else {
    return false;
  }
  event.preventDefault();
  event.stopImmediatePropagation();
  return true;
}

// --- inserting ------------------------------------------------------------------------------

async function choose(state, item) {
  const mode = state.form.dataset.mode || "reply";
  const fromHash = state.fromHash;
  close(state, { refocus: false });
  let insertion;
  try {
    insertion = await api(`/frontdesk/v1/threads/${state.threadId}/inserts`, {
      method: "POST", json: { kind: item.kind, id: item.id, mode },
    });
  } catch (error) {
    state.showError(error.message);
    return;
  }
  if (fromHash) selectTrigger(state);
  else restoreCaret(state);
  put(editorOf(state.form), insertion);
  if (insertion.fileIds?.length) await stage(state, insertion.fileIds);
}

function put(editor, insertion) {
  if (isPlain(editor)) {
    const start = editor.selectionStart;
    editor.setRangeText(insertion.text, start, editor.selectionEnd, "end");
  } else if (insertion.html) {
    document.execCommand("insertHTML", false, insertion.html);
  } else {
    document.execCommand("insertText", false, insertion.text);
  }
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}

async function stage(state, fileIds) {
  const files = await Promise.all(fileIds.map(async (id) => {
    try {
      const file = await api(`/files/v3/files/${encodeURIComponent(id)}`);
      const name = file.extension && !file.name.endsWith(`.${file.extension}`) ? `${file.name}.${file.extension}` : file.name;
      return { id: String(id), name, size: file.size, type: file.mimeType || "" };
    } catch {
      return { id: String(id), name: `File ${id}`, size: 0, type: "" };
    }
  }));
  state.stageFiles(files);
}

// --- wiring ---------------------------------------------------------------------------------

// `stageFiles([{id, name, size, type}])` adds uploaded files to the message being written;
// `showError(message)` shows a refusal in the composer.
export function initInserts(form, { threadId, stageFiles, showError }) {
  if (current?.pop) current.pop.remove();
  const state = {
    form, threadId, stageFiles, showError,
    pop: null, groups: [], kind: null, query: "", selected: 0, seq: 0, timer: null,
    caret: null, fromHash: false,
    button: form.querySelector("[data-action=insert]"),
  };
  current = state;
  const editor = editorOf(form);
  state.button?.addEventListener("click", () => {
    if (isOpen(state)) close(state);
    else open(state);
  });
  // Capture: the menu's keys come before the composer's (Enter sends otherwise).
  editor.addEventListener("keydown", (event) => {
    if (state.fromHash) onKey(state, event);
  }, true);
  editor.addEventListener("input", () => {
    const found = hashBeforeCaret(editor);
    if (found) {
      if (isOpen(state) && state.fromHash) {
        state.query = `#${found.word}`;
        schedule(state);
      } else if (!isOpen(state)) {
        open(state, { kind: "snippet", query: `#${found.word}`, fromHash: true });
      }
    } else if (isOpen(state) && state.fromHash) {
      close(state, { refocus: false });
    }
  });
  editor.addEventListener("blur", () => {
    setTimeout(() => {
      if (state.fromHash && document.activeElement !== editor) close(state, { refocus: false });
    }, 0);
  });
  return state;
}

// A click elsewhere closes the menu (one listener for whichever composer is on screen).
document.addEventListener("mousedown", (event) => {
  const state = current;
  if (!state || !isOpen(state)) return;
  const inside = state.pop.contains(event.target) || state.button?.contains(event.target)
    || editorOf(state.form).contains(event.target);
  if (!inside) close(state, { refocus: false });
});
