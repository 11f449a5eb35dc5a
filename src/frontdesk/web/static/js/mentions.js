// @mentions in internal comments: typing `@` in comment mode opens a list of the teammates who
// see this inbox (the server writes them on the composer), filtered as you type; arrows move,
// Enter or Tab picks, Escape closes. Picking writes `@Name ` into the text; on send, the ids of
// the picked teammates whose `@Name` is still in the text go with the comment (`mentions`).

const MAX_SHOWN = 8;
const states = new WeakMap();

// Teammates other than me (mentioning yourself notifies nobody).
function users(form) {
  try {
    const mine = document.body.dataset.userId;
    return JSON.parse(form.dataset.mentionUsers || "[]").filter((user) => String(user.id) !== mine);
  } catch {
    return [];
  }
}

// The `@query` just before the caret: { query, node, start, end } or null.
function queryAtCaret(editor) {
  if (editor.tagName === "TEXTAREA") {
    const upto = editor.value.slice(0, editor.selectionStart);
    const match = /(^|\s)@([^\s@]{0,40})$/.exec(upto);
    if (!match) return null;
    return { query: match[2], start: editor.selectionStart - match[2].length - 1, end: editor.selectionStart };
  }
  const selection = window.getSelection();
  if (!selection.rangeCount || !selection.isCollapsed) return null;
  const node = selection.anchorNode;
  if (!node || node.nodeType !== Node.TEXT_NODE || !editor.contains(node)) return null;
  const upto = node.data.slice(0, selection.anchorOffset);
  const match = /(^|\s)@([^\s@]{0,40})$/.exec(upto);
  if (!match) return null;
  return { query: match[2], node, start: selection.anchorOffset - match[2].length - 1, end: selection.anchorOffset };
}

function close(state) {
  state.list.hidden = true;
  state.list.replaceChildren();
  state.at = null;
  state.editor.removeAttribute("aria-activedescendant");
  state.editor.setAttribute("aria-expanded", "false");
}

function render(state) {
  const { list } = state;
  list.replaceChildren();
  state.shown.forEach((user, index) => {
    const item = document.createElement("li");
    item.id = `mention-option-${user.id}`;
    item.className = "mention-option";
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", String(index === state.active));
    item.dataset.userId = user.id;
    item.textContent = user.name;
    item.addEventListener("mousedown", (event) => { event.preventDefault(); pick(state, user); });
    list.append(item);
  });
  list.hidden = !state.shown.length;
  state.editor.setAttribute("aria-expanded", String(!list.hidden));
  const active = state.shown[state.active];
  if (active) state.editor.setAttribute("aria-activedescendant", `mention-option-${active.id}`);
}

function update(state) {
  if (state.form.dataset.mode !== "comment") { close(state); return; }
  const at = queryAtCaret(state.editor);
  if (!at) { close(state); return; }
  const needle = at.query.toLowerCase();
  state.at = at;
  state.shown = users(state.form)
    .filter((user) => user.name.toLowerCase().split(/\s+/).some((part) => part.startsWith(needle))
      || user.name.toLowerCase().startsWith(needle))
    .slice(0, MAX_SHOWN);
  state.active = 0;
  render(state);
}

function pick(state, user) {
  const { editor, at } = state;
  if (!at) return;
  if (editor.tagName === "TEXTAREA") {
    editor.setRangeText(`@${user.name} `, at.start, at.end, "end");
  } else {
    // A no-break space: a plain one at the end of a text node collapses, and what is typed
    // next would run into the name.
    const text = `@${user.name}\u00a0`;
    at.node.replaceData(at.start, at.end - at.start, text);
    const range = document.createRange();
    range.setStart(at.node, at.start + text.length);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  state.picked.set(String(user.id), user.name);
  close(state);
  editor.focus();
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}

function onKey(state, event) {
  if (state.list.hidden) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.active = (state.active + step + state.shown.length) % state.shown.length;
    render(state);
  } else if (event.key === "Enter" || event.key === "Tab") {
    pick(state, state.shown[state.active]);
  } else if (event.key === "Escape") {
    close(state);
  } else {
    return;
  }
  // Keep the composer from sending (Enter) or the page from moving focus (Tab).
  event.preventDefault();
  event.stopImmediatePropagation();
}

export function initMentions(form) {
  const editor = form.querySelector(".editor");
  if (!editor || !form.dataset.mentionUsers) return;
  const list = document.createElement("ul");
  list.className = "mention-list";
  list.id = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Teammates to mention");
  list.hidden = true;
  form.querySelector(".composer-box").append(list);
  editor.setAttribute("aria-controls", "mention-list");
  const state = { form, editor, list, shown: [], active: 0, at: null, picked: new Map() };
  states.set(form, state);
  // Capture: this runs before the composer's own Enter-to-send handler on the editor.
  editor.addEventListener("keydown", (event) => onKey(state, event), true);
  editor.addEventListener("input", () => update(state));
  editor.addEventListener("blur", () => close(state));
  for (const tab of form.querySelectorAll(".composer-tab")) tab.addEventListener("click", () => close(state));
}

// The ids of the teammates picked while writing `text` whose `@Name` is still in it.
export function mentionsIn(form, text) {
  const state = states.get(form);
  if (!state) return [];
  const ids = [...state.picked].filter(([, name]) => text.includes(`@${name}`)).map(([id]) => id);
  return ids;
}

// After a comment went out (or the composer was cleared), forget what was picked.
export function forgetMentions(form) {
  states.get(form)?.picked.clear();
}
