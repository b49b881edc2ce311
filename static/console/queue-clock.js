/*
 * The queue rows' waiting times, ticking in the browser: each row carries when the visitor
 * started waiting (<time class="queue-wait" data-since="<epoch seconds>">, server time) and this rewrites
 * its words every 15 s and whenever rows arrive. The server pushes rows only when they change,
 * never for the clock. Same words as the `wait_minutes` template filter.
 */
(function () {
  'use strict';

  var EVERY_MS = 15000;

  function words(seconds) {
    var minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) return 'under 1 min';
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    return hours ? hours + ' h ' + String(rest).padStart(2, '0') + ' min' : minutes + ' min';
  }

  // The waits count on the server's clock, not the browser's (which may be minutes off): the
  // page and every pushed queue summary carry the server's time (data-server-now, epoch s),
  // and the browser's offset from it is taken whenever a fresh one arrives.
  var offset = 0;
  var stamp = null;

  function serverNow() {
    var summary = document.getElementById('queue-summary');
    var fresh = (summary && summary.getAttribute('data-server-now')) ||
      document.body.getAttribute('data-server-now');
    if (fresh !== stamp) {
      stamp = fresh;
      var server = Number(fresh);
      offset = isFinite(server) && server > 0 ? server - Date.now() / 1000 : 0;
    }
    return Date.now() / 1000 + offset;
  }

  function update() {
    var now = serverNow();
    document.querySelectorAll('time.queue-wait[data-since]').forEach(function (el) {
      var since = Number(el.getAttribute('data-since'));
      if (!isFinite(since) || since <= 0) return;
      var text = words(now - since);
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // Rows pushed over the socket or fetched over HTTP show the right words at once.
  ['htmx:oobAfterSwap', 'htmx:afterSettle', 'htmx:wsAfterMessage'].forEach(function (name) {
    document.addEventListener(name, update);
  });

  function start() {
    update();
    setInterval(update, EVERY_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
