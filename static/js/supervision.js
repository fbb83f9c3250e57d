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
