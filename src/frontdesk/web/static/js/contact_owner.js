// The contact owner dropdown in the conversation sidebar: a choice is saved at once through
// PATCH /frontdesk/v1/contacts/{id}, and `contact.updated` events keep every other viewer's
// dropdown current. The option rendered as selected (defaultSelected) is the saved value.
import { api } from "./api.js";

const sidebar = () => document.getElementById("sidebar");

function ownerSelect(contactId) {
  const id = CSS.escape(String(contactId));
  return sidebar()?.querySelector(`select[data-action=contact-owner][data-contact-id="${id}"]`) ?? null;
}

const savedValue = (select) => [...select.options].find((o) => o.defaultSelected)?.value ?? "";

function markSaved(select, value) {
  for (const option of select.options) option.defaultSelected = option.value === value;
  select.value = value;
}

function showError(select, message) {
  const box = select.closest(".contact-owner")?.querySelector(".contact-owner-error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

async function save(select) {
  const value = select.value;
  select.disabled = true;
  showError(select, "");
  try {
    await api(`/frontdesk/v1/contacts/${select.dataset.contactId}`, {
      method: "PATCH", json: { ownerId: value || null },
    });
    markSaved(select, value);
  } catch (error) {
    select.value = savedValue(select);
    showError(select, error.message);
  } finally {
    select.disabled = false;
  }
}

// `refresh` reloads the open conversation's header and sidebar (thread.js's refreshThread).
export function initContactOwner({ refresh }) {
  sidebar()?.addEventListener("change", (event) => {
    if (event.target.matches("select[data-action=contact-owner]")) save(event.target);
  });
  document.addEventListener("fd:contact.updated", (event) => {
    const { contactId, changes = {} } = event.detail;
    const select = ownerSelect(contactId);
    if (!select) return;
    const owner = changes.ownerId ?? "";
    const known = [...select.options].some((o) => o.value === owner);
    // A new name, or an owner this page has no option for: render the sidebar again.
    if ("name" in changes || ("ownerId" in changes && !known)) refresh();
    else if ("ownerId" in changes && !select.disabled) markSaved(select, owner);
  });
}
