// The display board refreshes its calls and waiting counts without a full reload (polling the
// board API, no push channel or CDN). Silent calling: a new call flashes once, no sound.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-source");
  var interval = parseInt(body.getAttribute("data-interval"), 10) || 3000;
  var windowLabel = body.getAttribute("data-window-label") || "";
  var emptyLabel = body.getAttribute("data-empty-label") || "";
  var now = document.getElementById("board-now");
  var calls = document.getElementById("board-calls");
  var waiting = document.getElementById("board-waiting");
  var shown = key(now.querySelector(".board-now__ticket"), now.querySelector(".board-now__window"));

  function key(ticket, place) {
    return ticket ? ticket.textContent + "|" + (place ? place.textContent : "") : "";
  }

  function cell(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function renderNow(call) {
    var parts = document.createDocumentFragment();
    if (call) {
      parts.appendChild(cell("span", call.ticket, "board-now__ticket"));
      parts.appendChild(cell("span", call.window + windowLabel, "board-now__window"));
    } else {
      parts.appendChild(cell("span", emptyLabel, "board-now__empty"));
    }
    var next = call ? call.ticket + "|" + call.window + windowLabel : "";
    now.replaceChildren(parts);
    if (next && next !== shown) {
      // Restart the flash: drop the class, force a reflow, add it again.
      now.classList.remove("is-new");
      void now.offsetWidth;
      now.classList.add("is-new");
    }
    shown = next;
  }

  function render(data) {
    renderNow(data.calls[0]);
    var rows = document.createDocumentFragment();
    data.calls.slice(1).forEach(function (call) {
      var li = document.createElement("li");
      li.appendChild(cell("span", call.ticket, "board-calls__ticket"));
      li.appendChild(cell("span", call.window + windowLabel, "board-calls__window"));
      rows.appendChild(li);
    });
    calls.replaceChildren(rows);
    var items = document.createDocumentFragment();
    data.boards.forEach(function (board) {
      var li = document.createElement("li");
      li.setAttribute("data-board", board.code);
      var name = document.createElement("span");
      name.appendChild(cell("b", board.letter, "board-waiting__letter"));
      name.appendChild(document.createTextNode(" " + board.name));
      li.appendChild(name);
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
