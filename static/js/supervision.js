// Supervision dashboard: sort a figures table by clicking its column heading (no libraries).
(function () {
  "use strict";
  function cellValue(row, index) {
    var text = row.cells[index].textContent.trim();
    var number = parseFloat(text);
    return isNaN(number) ? text : number;
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (heading, index) {
      heading.addEventListener("click", function () {
        var descending = heading.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(headings, function (h) { h.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) { return 0; }
          var order = x < y ? -1 : 1;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();

// The matter filter: names offered from the catalog's search API as one types (a <datalist>).
(function () {
  "use strict";
  var input = document.querySelector("input[data-matter-search]");
  var list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list) { return; }
  var timer = null;
  var asked = "";
  function fill(matters) {
    list.textContent = "";
    matters.slice(0, 12).forEach(function (matter) {
      var option = document.createElement("option");
      option.value = matter.name;
      option.label = matter.code;
      list.appendChild(option);
    });
  }
  input.addEventListener("input", function () {
    var query = input.value.trim();
    clearTimeout(timer);
    if (!query || query === asked) { return; }
    timer = setTimeout(function () {
      asked = query;
      var url = input.getAttribute("data-matter-search") + "?search=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (data) {
          if (input.value.trim() === query) { fill(Array.isArray(data) ? data : (data.results || [])); }
        })
        .catch(function () { /* the field still takes a name or a code as typed */ });
    }, 200);
  });
})();
