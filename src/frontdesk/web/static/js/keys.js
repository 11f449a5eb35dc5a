// Keyboard: j/k move through the list, r reply, c internal comment, e close or reopen.
// Never while the person is typing. (`/` focuses search on every page: search.js.)
import { moveSelection } from "./list.js";
import { closeOrReopen, focusComposer } from "./thread.js";

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
}

export function initKeys() {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
    if (typing(event.target)) return;
    const actions = {
      j: () => moveSelection(1),
      k: () => moveSelection(-1),
      r: () => focusComposer("reply"),
      c: () => focusComposer("comment"),
      e: () => closeOrReopen(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
