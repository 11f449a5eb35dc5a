// The help desk: the ticket table of /helpdesk (filters submit the form; the table is fetched
// again as a fragment when a ticket of a help desk changes), and the sidebar's ticket fields
// of a help-desk conversation (each change is a PATCH of the thread's properties).
import { api, fragment } from "./api.js";
import { formatTimes } from "./live.js";
import { refreshThread } from "./thread.js";

const THREADS = "/conversations/v3/conversations/threads";
const LIVE = [
  "conversation.created", "conversation.updated", "conversation.assigned",
  "conversation.deleted", "message.created",
];

export function initHelpdesk() {
  const root = document.getElementById("helpdesk");
  if (!root) return;
  const form = document.getElementById("helpdesk-filters");
  form?.addEventListener("change", (event) => {
    if (event.target.matches("[data-filter]")) form.requestSubmit();
  });
  const helpDesks = new Set((root.dataset.inboxes || "").split(" ").filter(Boolean));
  let running = false;
  let again = false;
  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      const content = await fragment(root.dataset.url);
      const table = content.querySelector("#helpdesk-table");
      if (table) {
        formatTimes(table);
        document.getElementById("helpdesk-table")?.replaceWith(table);
      }
    } catch {
      // Offline or signed out: the next event or a reload tries again.
    } finally {
      running = false;
      if (again) { again = false; refresh(); }
    }
  }
  for (const name of LIVE) {
    document.addEventListener(`fd:${name}`, (event) => {
      if (helpDesks.has(String(event.detail?.inboxId))) refresh();
    });
  }
  document.addEventListener("fd:helpdesk.tickets_moved", refresh);
  document.addEventListener("fd:resync", refresh);
}

export function initTicketFields() {
  document.addEventListener("change", async (event) => {
    const select = event.target.closest?.("[data-ticket-field]");
    if (!select) return;
    const card = select.closest(".ticket-card");
    const error = card.querySelector(".ticket-error");
    error.hidden = true;
    select.disabled = true;
    const properties = { [select.dataset.ticketField]: select.value || null };
    try {
      await api(`${THREADS}/${card.dataset.threadId}`, { method: "PATCH", json: { properties } });
      await refreshThread();
    } catch (failure) {
      select.value = select.dataset.value;
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      if (select.isConnected) select.disabled = false;
    }
  });
}
