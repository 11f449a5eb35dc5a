// Availability in the user menu: a switch between Available and Away (automatic assignment
// gives new conversations only to available agents who are online). Saved through
// PATCH /frontdesk/v1/users/me; the other tabs of the same user follow the `user.updated`
// event. Being online needs nothing here: the page's event stream keeps presence.
import { api } from "./api.js";
import { connect } from "./live.js";

const LABELS = {
  available: "Available: new conversations come to you",
  away: "Away: no new conversations come to you",
};

function show(availability) {
  const toggle = document.getElementById("availability-switch");
  if (!toggle || !(availability in LABELS)) return;
  toggle.dataset.availability = availability;
  toggle.setAttribute("aria-checked", String(availability === "available"));
  toggle.textContent = LABELS[availability];
  document.getElementById("away-mark").hidden = availability === "available";
}

async function flip(toggle) {
  const error = document.getElementById("availability-error");
  const next = toggle.dataset.availability === "available" ? "away" : "available";
  toggle.disabled = true;
  error.hidden = true;
  try {
    const user = await api("/frontdesk/v1/users/me", { method: "PATCH", json: { availability: next } });
    show(user.availability);
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  } finally {
    toggle.disabled = false;
  }
}

export function initPresence() {
  const toggle = document.getElementById("availability-switch");
  if (!toggle) return;
  toggle.addEventListener("click", () => flip(toggle));
  connect().addEventListener("user.updated", (event) => {
    const detail = event.data ? JSON.parse(event.data) : {};
    if (detail.userId === document.body.dataset.userId) show(detail.changes?.availability);
  });
}
