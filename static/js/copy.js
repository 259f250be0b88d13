// A "Copy" button beside a value shown once (a new API token): <button
// data-copy-target="ID"> copies the text of the field with that id to the
// clipboard and says so in its own label, and in a live region for screen readers.
// No inline script: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function say(button, words) {
    const label = button.querySelector("[data-copy-label]") || button;
    const before = label.dataset.before || label.textContent;
    label.dataset.before = before;
    label.textContent = words;
    const status = document.getElementById(button.dataset.copyStatus || "");
    if (status) status.textContent = words;
    window.setTimeout(function () { label.textContent = before; }, 2500);
  }

  function fallbackCopy(field) {
    // Older browsers, or a page not served over HTTPS: select and copy.
    field.focus();
    field.select();
    return document.execCommand && document.execCommand("copy");
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    const field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    const text = field.value !== undefined ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { say(button, "Copied"); },
        function () { say(button, fallbackCopy(field) ? "Copied" : "Select it and copy"); }
      );
    } else {
      say(button, fallbackCopy(field) ? "Copied" : "Select it and copy");
    }
  });
})();
