// The live connection: one EventSource on /frontdesk/v1/events for the whole page. Each event
// is re-dispatched on `document` as `fd:<event name>` with its JSON payload as `detail`.
// The browser resumes after a drop with Last-Event-ID, so nothing is missed; a `resync`
// event (we fell too far behind) makes every pane reload what it shows.

let source = null;

export function connect() {
  if (source) return source;
  // Start where the server-rendered page left off, so nothing committed after the page's
  // data was read is missed, even if this first connection drops before any event arrives.
  const after = document.body.dataset.eventsAfter;
  source = new EventSource(after ? `/frontdesk/v1/events?lastEventId=${after}` : "/frontdesk/v1/events");
  const names = [
    "conversation.created", "conversation.updated", "conversation.assigned",
    "conversation.deleted", "message.created", "message.status_changed",
    "notification.created", "notification.read", "contact.updated", "resync",
    "helpdesk.tickets_moved",
  ];
  for (const name of names) {
    source.addEventListener(name, (event) => {
      const detail = event.data ? JSON.parse(event.data) : {};
      document.dispatchEvent(new CustomEvent(`fd:${name}`, { detail }));
    });
  }
  source.addEventListener("open", () => setState("live"));
  source.addEventListener("error", () => setState(source.readyState === 2 ? "closed" : "reconnecting"));
  return source;
}

function setState(state) {
  document.body.dataset.live = state;
  const badge = document.getElementById("live-state");
  if (badge) {
    badge.textContent = { live: "Live", reconnecting: "Reconnecting…", closed: "Offline" }[state];
    badge.dataset.state = state;
  }
  document.dispatchEvent(new CustomEvent("fd:live", { detail: { state } }));
}

// Times: the server writes <time datetime="ISO">; we show them in the user's time zone.
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const shortFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

export function formatTimes(root = document) {
  const today = new Date().toDateString();
  for (const el of root.querySelectorAll("time[datetime]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(at.getTime())) continue;
    const style = el.dataset.format || "auto";
    if (style === "day") el.textContent = at.toDateString() === today ? "Today" : dayFormat.format(at);
    else if (style === "time") el.textContent = timeFormat.format(at);
    else el.textContent = at.toDateString() === today ? timeFormat.format(at) : shortFormat.format(at);
    el.title = at.toLocaleString();
  }
}
