/* OneTrip portal: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  /* Phones: the navigation folds behind a menu button (a real button: Enter and Space open
     it, Escape closes it and returns to the button). Wide screens never see the button. */
  var toggle = document.querySelector(".nav-toggle");
  var nav = toggle && toggle.closest(".site-nav");
  if (nav) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    };
    nav.classList.add("site-nav--foldable");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  /* Sign-up: show only the fields of the chosen user type (person or company). */
  var form = document.querySelector("[data-signup-form]");
  if (form) {
    var panels = form.querySelectorAll("[data-identity-panel]");
    var sync = function () {
      var checked = form.querySelector('input[name="identity_kind"]:checked');
      var kind = checked ? checked.value : "person";
      Array.prototype.forEach.call(panels, function (panel) {
        panel.hidden = panel.getAttribute("data-identity-panel") !== kind;
      });
    };
    Array.prototype.forEach.call(
      form.querySelectorAll('input[name="identity_kind"]'),
      function (radio) { radio.addEventListener("change", sync); }
    );
    sync();
  }

  /* Print buttons (the queue ticket): no inline handler, the page's policy allows none. */
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  /* After a refused submission, take keyboard and screen-reader users to the error summary. */
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }
})();
