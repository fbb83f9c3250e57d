/* Clerk desk: keyboard shortcuts and small conveniences; every page works without this file. */
(function () {
  "use strict";

  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var typing = function (el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  };

  /* "/" jumps to the search for an applicant or a case number. */
  var find = document.querySelector('[data-shortcut="/"]');
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && find && !typing(document.activeElement) && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      find.focus();
      find.select();
    }
  });

  /* Checklist: colour each row by its verdict; choosing "missing" goes to the reason. */
  var checklist = document.querySelector("[data-checklist]");
  if (checklist) {
    var sync = function (row) {
      var checked = row.querySelector('input[type="radio"]:checked');
      row.setAttribute("data-state", checked ? checked.value : "");
    };
    each(checklist.querySelectorAll(".checklist__row"), function (row) {
      sync(row);
      each(row.querySelectorAll('input[type="radio"]'), function (radio) {
        radio.addEventListener("change", function () {
          sync(row);
          if (radio.value === "missing") {
            var reason = row.querySelector('.checklist__reason input[type="text"]');
            if (reason && !reason.value) { reason.focus(); }
          }
        });
      });
      var reason = row.querySelector('.checklist__reason input[type="text"]');
      if (reason) {
        /* Typing a reason means the material is missing. */
        reason.addEventListener("input", function () {
          var missing = row.querySelector('input[type="radio"][value="missing"]');
          if (reason.value && missing && !missing.checked) {
            missing.checked = true;
            sync(row);
          }
        });
      }
      var file = row.querySelector('input[type="file"]');
      if (file) {
        /* A scan attached means the material is in hand, unless marked otherwise. */
        file.addEventListener("change", function () {
          var received = row.querySelector('input[type="radio"][value="received"]');
          if (file.files.length && received && !row.querySelector('input[type="radio"]:checked')) {
            received.checked = true;
            sync(row);
          }
        });
      }
    });
    var markAll = checklist.querySelector("[data-mark-all]");
    if (markAll) {
      markAll.addEventListener("click", function () {
        each(checklist.querySelectorAll('.checklist__row[data-required="1"]'), function (row) {
          if (!row.querySelector('input[type="radio"]:checked')) {
            var received = row.querySelector('input[type="radio"][value="received"]');
            if (received) { received.checked = true; sync(row); }
          }
        });
      });
    }
  }

  /* New application: show the identity field of the kind chosen, address fields for courier. */
  var applicant = document.querySelector("[data-applicant-form]");
  if (applicant) {
    var syncKind = function () {
      var checked = applicant.querySelector('input[name="kind"]:checked');
      var kind = checked ? checked.value : "person";
      each(applicant.querySelectorAll("[data-panel]"), function (panel) {
        panel.hidden = panel.getAttribute("data-panel") !== kind;
      });
    };
    var syncDelivery = function () {
      var checked = applicant.querySelector('input[name="delivery_method"]:checked');
      var courier = checked && checked.value === "courier";
      each(applicant.querySelectorAll("[data-courier-fields]"), function (el) { el.hidden = !courier; });
    };
    each(applicant.querySelectorAll('input[name="kind"]'), function (r) { r.addEventListener("change", syncKind); });
    each(applicant.querySelectorAll('input[name="delivery_method"]'), function (r) { r.addEventListener("change", syncDelivery); });
    syncKind();
    syncDelivery();
    if (!document.getElementById("form-errors")) {
      var first = applicant.querySelector('input[name="name"]');
      if (first && !first.value) { first.focus(); }
    }
  }
})();
