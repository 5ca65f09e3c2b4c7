// Irreversible workflow steps: a form with data-confirm asks first, in #confirm-modal, saying what
// will happen (what is booked, who is told). Without JavaScript the form submits as before.
(function () {
  const modalElement = document.getElementById("confirm-modal");
  if (!modalElement || !window.bootstrap) return;
  const modal = bootstrap.Modal.getOrCreateInstance(modalElement);
  let pending = null;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-confirm]") || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    pending = form;
    modalElement.querySelector("[data-confirm-text]").textContent = form.dataset.confirm;
    const title = form.dataset.confirmTitle;
    if (title) modalElement.querySelector(".modal-title").textContent = title;
    modal.show();
  });
  modalElement.querySelector("[data-confirm-ok]").addEventListener("click", function () {
    if (!pending) return;
    pending.dataset.confirmed = "yes";
    modal.hide();
    pending.requestSubmit();
  });
})();
