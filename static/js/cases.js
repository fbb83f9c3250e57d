/* Case pages: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  /* Application form: show the identity field of the chosen applicant type and the courier
     address only when the result goes by courier. Without script every field shows. */
  var form = document.querySelector("[data-application-form]");
  if (form) {
    var show = function (radioName, attribute) {
      var checked = form.querySelector('input[name="' + radioName + '"]:checked');
      var value = checked ? checked.value : "";
      Array.prototype.forEach.call(form.querySelectorAll("[" + attribute + "]"), function (el) {
        el.hidden = el.getAttribute(attribute) !== value;
      });
    };
    var sync = function () {
      show("applicant_kind", "data-kind");
      show("delivery_method", "data-delivery");
    };
    form.addEventListener("change", sync);
    sync();
  }

  /* A form that creates or submits something is sent once, however often it is clicked. */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (f) {
    f.addEventListener("submit", function (event) {
      if (f.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      f.setAttribute("data-sent", "true");
    });
  });
})();
