// One-click fixes on a draft's rows with errors: a suggestion button fills its
// cell; "Apply every suggestion" fills them all. Nothing is saved until the
// person presses Save.
(function () {
  "use strict";

  function fill(button) {
    const input = document.getElementById(button.dataset.fill);
    if (!input) return "";
    input.value = button.dataset.value;
    input.classList.remove("is-invalid");
    input.classList.add("is-valid");
    button.disabled = true;
    return input.labels.length ? input.labels[0].textContent : "";
  }

  function announce(text) {
    const region = document.querySelector("[data-fill-announce]");
    if (region) region.textContent = text;
  }

  document.addEventListener("click", function (event) {
    const one = event.target.closest("[data-fill]");
    if (one) {
      const where = fill(one);
      announce("Filled " + one.dataset.value + " into " + where + ".");
      return;
    }
    if (event.target.closest("[data-fill-all]")) {
      const buttons = document.querySelectorAll("[data-fill]:not(:disabled)");
      buttons.forEach(fill);
      announce("Filled " + buttons.length + " suggestions. Check them, then save.");
    }
  });
})();
