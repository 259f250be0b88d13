// Small behaviours every page may use, kept out of the markup: the
// Content-Security-Policy allows no inline script, event attribute or style.
// - data-select-on-focus: a read-only field selects its text when focused
//   (a new API token, ready to copy).
// - data-progress="N": a progress bar N% wide (its width set from here).
(function () {
  "use strict";

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });

  function sizeProgressBars(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      const percent = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
      bar.style.width = percent + "%";
    });
  }

  sizeProgressBars(document);
  // Parts of pages that htmx swaps in.
  document.addEventListener("htmx:afterSwap", function (event) {
    sizeProgressBars(event.target);
  });
})();
