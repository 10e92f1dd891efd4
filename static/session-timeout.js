// The timeout warning (GOV.UK's pattern): a few minutes before the idle sign-out, a dialog
// offers to stay signed in. Progressive: without this script the dialog never opens and the
// server still signs people out; with it, nobody loses their work without a warning.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var idle = Number(dialog.getAttribute("data-idle-seconds"));
  var warn = Number(dialog.getAttribute("data-warn-seconds"));
  var countdown = dialog.querySelector("[data-left]");
  var keep = dialog.querySelector("form[data-keep]");
  var warnTimer = null, endTimer = null, tick = null;

  // The words come from the page, in its language, one pattern for each plural category.
  var rules = new Intl.PluralRules(document.documentElement.lang || "en");
  var minutes = JSON.parse(dialog.getAttribute("data-minutes"));
  var secondsWords = JSON.parse(dialog.getAttribute("data-seconds"));
  function say(patterns, n) {
    return (patterns[rules.select(n)] || patterns.other).replace("{n}", String(n));
  }
  function words(seconds) {
    if (seconds > 59) { return say(minutes, Math.ceil(seconds / 60)); }
    return say(secondsWords, seconds);
  }

  function start() {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tick);
    var started = Date.now();
    warnTimer = setTimeout(function () {
      dialog.showModal();
      tick = setInterval(function () {
        var left = Math.max(0, Math.round(idle - (Date.now() - started) / 1000));
        countdown.textContent = words(left);
      }, 1000);
    }, Math.max(0, idle - warn) * 1000);
    // At the end the server has signed the person out: reloading shows them why.
    endTimer = setTimeout(function () { window.location.reload(); }, (idle + 2) * 1000);
  }

  function stay(event) {
    if (event) { event.preventDefault(); }
    fetch(keep.action, {
      method: "POST",
      body: new FormData(keep),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) { clearInterval(tick); dialog.close(); start(); } else { keep.submit(); }
    }, function () { keep.submit(); });
  }

  keep.addEventListener("submit", stay);
  dialog.addEventListener("cancel", stay);  // Escape means "stay signed in", as GOV.UK does
  start();
}());
