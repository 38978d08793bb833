// "Copy to clipboard" for a revealed address. Without JavaScript the address is in a
// read-only text field and can be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied-label");
      });
    });
  });
  document.querySelectorAll(".original-url").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
