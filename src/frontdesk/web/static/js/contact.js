// The contact record: a timeline filter applies as soon as it changes (the Apply button is
// for pages without scripts).
const filters = document.getElementById("timeline-filters");
if (filters) {
  for (const select of filters.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => filters.requestSubmit());
  }
  const apply = filters.querySelector(".filters-apply");
  if (apply) apply.hidden = true;
}
