// Confirmation before a consequential form post (deactivate, delete, rotate, revoke): a form
// with data-confirm="question" asks in the page's <dialog id="confirm-dialog"> and is posted
// only on Confirm. Without script the form posts directly (the server does the same work).

const dialog = document.getElementById("confirm-dialog");
let pending = null;

if (dialog) {
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (!form || form === pending) return;
    event.preventDefault();
    pending = form;
    document.getElementById("confirm-question").textContent = form.dataset.confirm;
    dialog.showModal();
    document.getElementById("confirm-ok").focus();
  });
  dialog.addEventListener("close", () => {
    const form = pending;
    if (form && dialog.returnValue === "ok") {
      form.submit(); // submit() fires no submit event: no second question
    }
    pending = null;
  });
}
