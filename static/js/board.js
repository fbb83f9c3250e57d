// The display board refreshes its calls and waiting counts without a full reload; silent.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-source");
  var interval = parseInt(body.getAttribute("data-interval"), 10) || 3000;
  // The page's words in the page's language (the template translates them).
  var windowSuffix = body.getAttribute("data-window-suffix") || "";
  var noCalls = body.getAttribute("data-no-calls") || "";
  var calls = document.getElementById("board-calls");
  var waiting = document.getElementById("board-waiting");

  function cell(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function render(data) {
    var rows = document.createDocumentFragment();
    data.calls.forEach(function (call) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("td", call.ticket, "board-calls__ticket"));
      tr.appendChild(cell("td", call.window + windowSuffix));
      rows.appendChild(tr);
    });
    if (!data.calls.length) {
      var empty = document.createElement("tr");
      empty.className = "board-calls__empty";
      var td = cell("td", noCalls);
      td.colSpan = 2;
      empty.appendChild(td);
      rows.appendChild(empty);
    }
    calls.replaceChildren(rows);
    var items = document.createDocumentFragment();
    data.boards.forEach(function (board) {
      var li = document.createElement("li");
      li.setAttribute("data-board", board.code);
      li.appendChild(cell("span", board.letter + " " + board.name));
      li.appendChild(cell("strong", String(board.waiting)));
      items.appendChild(li);
    });
    waiting.replaceChildren(items);
  }

  function refresh() {
    fetch(source, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { window.setTimeout(refresh, interval); });
  }

  window.setTimeout(refresh, interval);
})();
