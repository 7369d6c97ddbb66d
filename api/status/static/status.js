// Lazarus status page: refresh the live part without reloading. The server
// renders the fragment (GET /status?part=live); this only swaps it in,
// keeping which recoveries the reader opened or closed.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var state = document.getElementById("live-state");
  var text = document.getElementById("live-text");
  var every = parseInt(document.body.getAttribute("data-poll"), 10) || 2000;
  var polls = 0;

  function show(ok, msg) {
    state.className = "live " + (ok ? "ok" : "bad");
    text.textContent = msg;
  }

  function swap(html) {
    var open = {};
    live.querySelectorAll("details[data-id]").forEach(function (d) { open[d.getAttribute("data-id")] = d.open; });
    var t = document.createElement("template");
    t.innerHTML = html;
    t.content.querySelectorAll("details[data-id]").forEach(function (d) {
      var id = d.getAttribute("data-id");
      if (Object.prototype.hasOwnProperty.call(open, id)) { d.open = open[id]; }
    });
    live.replaceChildren(t.content);
  }

  function refresh() {
    fetch("/status?part=live", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { throw new Error("session expired: reload to log in again"); }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        swap(html);
        polls++;
        document.body.setAttribute("data-polls", String(polls));
        var s = live.querySelector("[data-now]");
        show(true, "live · updated " + (s ? s.getAttribute("data-now") : ""));
      })
      .catch(function (e) { show(false, "not updating — " + e.message); })
      .then(function () { setTimeout(refresh, every); });
  }
  setTimeout(refresh, every);
})();
