/*
 * The agent console's small behaviours around htmx: tabs, ticking clocks, new-chat alerts
 * (sound, title badge, browser notification), the composer (Enter to send, typing frames,
 * `/` canned replies), dialogs and toasts. The server renders everything; user text only
 * ever reaches the DOM through textContent here.
 */
(function () {
  'use strict';

  var TYPING_THROTTLE_MS = 2500;
  var TYPING_IDLE_MS = 4000;
  var REMOTE_TYPING_MS = 8000;
  var TOAST_MS = 6000;
  var baseTitle = document.title;
  var socket = null;        // the htmx ws extension's socket wrapper
  var seenRows = null;      // queue rows already announced
  var soundOn = sessionStorage.getItem('chatsy:sound') !== 'off';
  var audio = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // ------------------------------------------------------------------ socket --
  document.addEventListener('htmx:wsOpen', function (e) {
    socket = e.detail.socketWrapper;
    watchSocket(e.detail.event && e.detail.event.target);
    setLive('live', 'Live');
    // Anything pushed while we were away (or before the first connect) is re-fetched, and the
    // socket is told which chats this page shows: it pushes the ones given to the agent meanwhile.
    htmx.trigger(document.body, 'console:resync');
    if (!$('#chat-tabs')) return; // the single-chat page and the supervisor's view have no tabs
    var shown = $all('.chat-pane').map(function (pane) { return pane.getAttribute('data-chat'); });
    send({ type: 'shown', chats: shown });
  });
  document.addEventListener('htmx:wsClose', function (e) {
    socket = null;
    watchSocket(null);
    var code = e.detail && e.detail.event ? e.detail.event.code : 0;
    if (code === 4401 || code === 4403) setLive('closed', 'Signed out');
    else setLive('down', OFFLINE);
    // The session changed (a password change gave this browser a new one): reconnect now and
    // authenticate afresh from the cookie. htmx's ws extension itself retries only 1006/1011-1013.
    if (code === 4012 && e.detail.socketWrapper) e.detail.socketWrapper.reconnect();
  });

  // The server's one JSON frame, {"type":"resync"}: events may have been lost while Redis
  // faltered, so re-fetch the panels and open chats as after a reconnect. Everything else is
  // HTML for htmx to swap.
  document.addEventListener('htmx:wsBeforeMessage', function (e) {
    var text = e.detail && e.detail.message;
    if (typeof text !== 'string' || text.charAt(0) !== '{') return;
    var frame;
    try { frame = JSON.parse(text); } catch (err) { return; }
    // {"type":"pong"} (and any other JSON frame) is handled here, not swapped.
    e.preventDefault();
    if (frame && frame.type === 'resync') htmx.trigger(document.body, 'console:resync');
  });

  // A re-fetched chat pane shows what the server had when it rendered it: a message pushed
  // live while the request was in flight would vanish with the swap. Put those back.
  var livePanes = {};
  document.addEventListener('htmx:beforeSwap', function (e) {
    var pane = e.detail.target;
    if (!pane || !pane.classList || !pane.classList.contains('chat-pane')) return;
    livePanes[pane.id] = $all('.transcript li[data-seq]', pane);
  });
  document.addEventListener('htmx:afterSettle', function () {
    Object.keys(livePanes).forEach(function (id) {
      var kept = livePanes[id];
      delete livePanes[id];
      var list = document.querySelector('#' + CSS.escape(id) + ' .transcript');
      if (!list) return;
      var shown = $all('li[data-seq]', list);
      var top = shown.length ? Number(shown[shown.length - 1].getAttribute('data-seq')) : 0;
      kept.forEach(function (li) {
        if (Number(li.getAttribute('data-seq')) > top && !document.getElementById(li.id)) list.appendChild(li);
      });
    });
  });

  // ------------------------------------------------------------ connection --
  // Application-level ping/pong, as the widget does: a cut network leaves a socket open and
  // silent, so "Live" would stay up while nothing arrives. A ping goes out every PING_MS; when
  // no frame at all comes back within the deadline the indicator says so at once and a fresh
  // socket is opened (htmx's ws extension retries a failed one with the backoff below); its
  // open re-fetches the queue and the open chats (console:resync). Times: body[data-ping-ms],
  // from CHATSY_CONSOLE_PING_SECONDS and CHATSY_CONSOLE_PONG_DEADLINE_SECONDS.
  var OFFLINE = 'Offline \u2014 reconnecting\u2026';
  var pingTimes = (document.body.getAttribute('data-ping-ms') || '10000 5000').split(' ').map(Number);
  var PING_MS = pingTimes[0] || 10000;
  var PONG_DEADLINE_MS = pingTimes[1] || 5000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 15000;
  var BACKOFF_JITTER = 0.3;
  var liveSocket = null;    // the browser WebSocket under htmx's wrapper
  var pingTimer = null;
  var pongTimer = null;

  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retries) {
      var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, retries));
      return base * (1 - BACKOFF_JITTER + Math.random() * 2 * BACKOFF_JITTER);
    };
  }

  // A new socket must open within CONNECT_DEADLINE_MS: on a network that silently drops
  // packets it would otherwise stay CONNECTING until TCP gives up (minutes). Closing it fails
  // it (code 1006), so htmx's ws extension retries with the backoff above; the indicator
  // keeps saying we are offline. htmx.createWebSocket is the extension's hook for this.
  var CONNECT_DEADLINE_MS = 2 * PONG_DEADLINE_MS;
  if (window.htmx) {
    htmx.createWebSocket = function (url) {
      var ws = new WebSocket(url, []);
      ws.binaryType = htmx.config.wsBinaryType;
      var deadline = setTimeout(function () {
        if (ws.readyState !== WebSocket.CONNECTING) return;
        setLive('down', OFFLINE);
        ws.close();
      }, CONNECT_DEADLINE_MS);
      ws.addEventListener('open', function () { clearTimeout(deadline); });
      ws.addEventListener('close', function () { clearTimeout(deadline); });
      return ws;
    };
  }

  function watchSocket(ws) {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    pingTimer = pongTimer = null;
    liveSocket = ws || null;
    if (liveSocket) pingTimer = setInterval(ping, PING_MS);
  }

  function ping() {
    if (!liveSocket || liveSocket.readyState !== WebSocket.OPEN || pongTimer) return;
    liveSocket.send('{"type":"ping"}');
    pongTimer = setTimeout(dropSocket, PONG_DEADLINE_MS);
    if (++pings % SEQS_EVERY === 0) sendSeqs();
  }

  // Broadcasts are at most once: a lost one with nothing after it (a visitor's last message)
  // would never show. Every few pings the server hears the latest seq each open chat shows;
  // when the database holds more, it answers {"type":"resync"} and the chats are re-fetched.
  var SEQS_EVERY = 3;
  var pings = 0;
  function sendSeqs() {
    var chats = {};
    $all('.chat-pane[data-chat]').forEach(function (pane) {
      chats[pane.getAttribute('data-chat')] = $all('.transcript li[data-seq]', pane).reduce(function (top, li) {
        return Math.max(top, Number(li.getAttribute('data-seq')) || 0);
      }, 0);
    });
    if (Object.keys(chats).length) send({ type: 'seqs', chats: chats });
  }

  // Any frame shows the socket is alive.
  document.addEventListener('htmx:wsBeforeMessage', function () {
    clearTimeout(pongTimer);
    pongTimer = null;
  });

  // The deadline passed: say so now, and replace the socket rather than wait for the browser
  // to notice (it may take minutes). The dead one is silenced first so that its late close
  // neither reports a second outage nor makes htmx open yet another socket.
  function dropSocket() {
    var dead = liveSocket;
    var wrapper = socket;
    watchSocket(null);
    socket = null;
    setLive('down', OFFLINE);
    if (!dead || !wrapper) return;
    dead.onclose = null;
    dead.onerror = null;
    try { dead.close(4000, 'no pong'); } catch (err) { /* already closing */ }
    wrapper.reconnect();
  }

  function setLive(state, text) {
    var el = $('#live-indicator');
    if (!el) return;
    el.setAttribute('data-state', state);
    el.textContent = text;
  }

  function send(frame) {
    if (socket) socket.send(JSON.stringify(frame));
  }

  // Appends are idempotent: an element whose id is already on the page is not added twice
  // (a claim's response and the socket's push both carry the new chat). A list row (it has a
  // data-cursor) moves instead: the fresh copy goes where the server put it.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var target = e.detail.target;
    var fragment = e.detail.fragment;
    if (!fragment || !fragment.children) return;
    Array.prototype.slice.call(fragment.children).forEach(function (child) {
      if (!child.id || child.id === target.id) return;
      var old = document.getElementById(child.id);
      if (!old) return;
      if (child.hasAttribute('data-cursor') && old.hasAttribute('data-cursor') && old !== target) old.remove();
      else child.remove();
    });
  });

  // Removals (agents.fragments.removal): take the named elements away if they are here. The
  // claim's answer and the socket's push both carry them; the second finds nothing to do.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var fragment = e.detail.fragment;
    var marker = fragment && fragment.querySelector && fragment.querySelector('[data-remove]');
    if (!marker) return;
    e.detail.shouldSwap = false;
    marker.getAttribute('data-remove').split(' ').forEach(function (id) {
      var gone = id && document.getElementById(id);
      if (gone) gone.remove();
    });
  });

  // A queue row pushed row by row (_queue_changes.html): its <ul data-after> names the row
  // above it. That row may be gone already (a claim's answer removed it before the socket's
  // push arrived), so the row goes after it when it is here, else where its data-cursor
  // sorts; the list is always the swap target, so no push ever misses its target.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var holder = e.detail.fragment;
    var list = e.detail.target;
    if (!holder || !holder.hasAttribute || !holder.hasAttribute('data-after')) return;
    e.detail.shouldSwap = false;
    var row = holder.firstElementChild;
    if (!row || !list) return;
    var stale = document.getElementById(row.id);
    if (stale) stale.remove();
    var above = document.getElementById(holder.getAttribute('data-after'));
    if (above && above.parentNode === list) above.after(row);
    else if (holder.getAttribute('data-after')) placeByCursor(list, row);
    else list.prepend(row);
    htmx.process(row);
  });

  function placeByCursor(list, row) {
    var key = cursorKey(row);
    var below = $all(':scope > [data-cursor]', list).filter(function (other) {
      return compareKeys(cursorKey(other), key) > 0;
    })[0];
    list.insertBefore(row, below || null);
  }

  // Claims ("Take over" on a row, "Take next") and a pane's answer-less posts (one-click
  // Resolve) are sent from #chat-panes, which is never swapped: htmx resolves a response's
  // out-of-band targets within the requesting element's tree, and the socket's push of the
  // same claim or resolve usually replaces the clicked row or removes the pane before the
  // answer arrives (the new tab, or the toast, would then have nowhere to go).
  function sentFromPanes(elt) {
    if (!elt.closest) return false;
    if (elt.closest('#queue-panel')) return true;
    // Buttons only: a form (the composer) must be sent by htmx itself, with its fields.
    return elt.tagName === 'BUTTON' && !!elt.closest('.chat-pane') && elt.getAttribute('hx-swap') === 'none';
  }
  document.addEventListener('htmx:confirm', function (e) {
    var button = e.detail.elt;
    var source = document.getElementById('chat-panes');
    if (e.detail.verb !== 'post' || !source || !sentFromPanes(button)) return;
    e.preventDefault();
    htmx.ajax('POST', e.detail.path, { source: source, swap: 'none' });
  });

  // ------------------------------------------------------- bounded lists --
  // A list with data-limit shows its first rows, kept live by the socket row by row; "Show
  // more" fetches the rows after the last one shown (its data-cursor) and marks the list
  // expanded. An unexpanded list drops rows pushed below its limit.
  document.addEventListener('htmx:configRequest', function (e) {
    var button = e.detail.elt;
    if (!button || !button.classList || !button.classList.contains('show-more')) return;
    var list = document.getElementById(button.getAttribute('data-list'));
    if (!list) return;
    var rows = $all(':scope > [data-cursor]', list);
    if (rows.length) e.detail.parameters.after = rows[rows.length - 1].getAttribute('data-cursor');
    list.setAttribute('data-expanded', '');
  });

  // A queue's section pushed whole (the socket's first push for it) must not collapse a list
  // the agent expanded: its rows below the pushed ones are carried over. Rows sorting above
  // the last pushed one but missing from the push have left the queue and are dropped.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var target = e.detail.target;
    if (!target || !target.classList || !target.classList.contains('queue')) return;
    var list = $('.queue-rows[data-expanded]', target);
    var fresh = e.detail.fragment && e.detail.fragment.querySelector('.queue-rows');
    if (!list || !fresh) return;
    var pushed = $all(':scope > [data-cursor]', fresh);
    var limit = Number(fresh.getAttribute('data-limit')) || 0;
    fresh.setAttribute('data-expanded', '');
    if (pushed.length < limit) return; // the whole queue was pushed
    var last = cursorKey(pushed[pushed.length - 1]);
    $all(':scope > [data-cursor]', list).forEach(function (row) {
      if (compareKeys(cursorKey(row), last) > 0 && !fresh.querySelector('#' + CSS.escape(row.id))) {
        fresh.appendChild(row);
      }
    });
  });

  function cursorKey(row) { return row.getAttribute('data-cursor').split('.').map(Number); }
  function compareKeys(a, b) {
    for (var i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) - (b[i] || 0);
    }
    return 0;
  }

  function boundLists() {
    $all('[data-limit]:not([data-expanded])').forEach(function (list) {
      var limit = Number(list.getAttribute('data-limit')) || 0;
      $all(':scope > [data-cursor]', list).slice(limit).forEach(function (row) { row.remove(); });
    });
    $all('.show-more[data-list]').forEach(function (button) {
      var list = document.getElementById(button.getAttribute('data-list'));
      var count = document.getElementById(button.getAttribute('data-count'));
      if (!list || !count) return;
      var shown = $all(':scope > [data-cursor]', list).length;
      var more = Math.max(0, Number(count.getAttribute('data-total') || 0) - shown);
      if (button.hidden !== !more) button.hidden = !more;
      var label = $('.more-count', button);
      if (label) label.textContent = '(' + more + ' more)';
    });
  }

  // A pushed section or count this page doesn't have (it missed an event): re-fetch the
  // queue panel, once per burst.
  var staleTimer = null;
  document.body.addEventListener('htmx:oobErrorNoTarget', function (e) {
    var target = String((e.detail && e.detail.target) || '');
    if (target.indexOf('#queue-') !== 0 || staleTimer) return;
    staleTimer = setTimeout(function () {
      staleTimer = null;
      htmx.trigger(document.body, 'console:queue-stale');
    }, 200);
  });

  // -------------------------------------------------------------------- tabs --
  function activeId() { return sessionStorage.getItem('chatsy:active-chat'); }

  function activate(id, focus, keepScroll) {
    var tab = document.getElementById('tab-' + id);
    if (!tab) return;
    sessionStorage.setItem('chatsy:active-chat', id);
    $all('.chat-tab').forEach(function (t) {
      var on = t === tab;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
    });
    $all('.chat-pane').forEach(function (pane) {
      pane.hidden = pane.getAttribute('data-chat') !== id;
    });
    tab.classList.remove('has-unread');
    var pane = document.getElementById('chat-' + id);
    if (pane) {
      if (!keepScroll) scrollToEnd(pane, true);
      if (focus) {
        var box = pane.querySelector('textarea');
        if (box) box.focus();
      }
    }
  }

  function syncTabs() {
    var panes = $all('.chat-pane');
    if (panes.length === 1 && !$('.chat-tab')) { panes[0].hidden = false; return; } // single page
    var id = activeId();
    if (!id || !document.getElementById('chat-' + id)) id = panes.length ? panes[0].getAttribute('data-chat') : null;
    if (id) activate(id, false, id === activeId());
  }

  document.addEventListener('click', function (e) {
    var tab = e.target.closest('.chat-tab');
    if (tab) activate(tab.getAttribute('data-chat'), true);
  });

  document.addEventListener('keydown', function (e) {
    var tab = e.target.closest && e.target.closest('.chat-tab');
    if (!tab) return;
    var tabs = $all('.chat-tab');
    var i = tabs.indexOf(tab);
    var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    var target = tabs[(next + tabs.length) % tabs.length];
    activate(target.getAttribute('data-chat'), false);
    target.focus();
  });

  // A claim's answer names the chat it opened; the event comes before its tab is swapped in
  // (or before the socket's push brings it), so it is activated as soon as the tab exists.
  var openedChat = null;
  document.body.addEventListener('chat-opened', function (e) {
    if (e.detail && e.detail.id) openedChat = e.detail.id;
  });

  function activateOpened() {
    var id = openedChat;
    if (!id || !document.getElementById('tab-' + id) || !document.getElementById('chat-' + id)) return;
    openedChat = null;
    activate(id, true);
  }

  function scrollToEnd(pane, force) {
    var box = pane.querySelector('[data-scroll]');
    if (!box) return;
    var near = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
    if (force || near) box.scrollTop = box.scrollHeight;
  }

  // ------------------------------------------------- what every swap may change --
  function afterSwap(e) {
    var target = e.detail && (e.detail.target || e.detail.elt);
    var id = target && target.id ? target.id : '';
    if (id.indexOf('messages-') === 0) {
      var chat = id.slice('messages-'.length);
      var pane = document.getElementById('chat-' + chat);
      if (pane) scrollToEnd(pane, false);
      if (chat !== activeId() || document.hidden) {
        var tab = document.getElementById('tab-' + chat);
        if (tab) tab.classList.add('has-unread');
      }
    }
    if (id.indexOf('typing-') === 0) expireTyping(target);
    activateOpened();
    syncTabs();
    boundLists();
    scanQueue();
    showDialogs();
    expireToasts();
    tick();
  }
  document.addEventListener('htmx:oobAfterSwap', afterSwap);
  document.addEventListener('htmx:afterSettle', afterSwap);
  document.addEventListener('htmx:wsAfterMessage', afterSwap);

  function expireTyping(el) {
    if (!el || !el.textContent.trim()) return;
    clearTimeout(el._chatsyTimer);
    el._chatsyTimer = setTimeout(function () { el.textContent = ''; }, REMOTE_TYPING_MS);
  }

  // ------------------------------------------------------- new-chat alerts --
  function scanQueue() {
    var panel = $('#queue-panel');
    var summary = $('#queue-summary');
    if (!panel || !summary) return;
    var waiting = Number(summary.getAttribute('data-waiting') || 0);
    document.title = waiting > 0 ? '(' + waiting + ') ' + baseTitle : baseTitle;
    var rows = $all('.queue-row', panel);
    var first = seenRows === null;
    seenRows = seenRows || {};
    // Rows loaded with "Show more" were waiting already: no alert for them.
    var fresh = rows.filter(function (row) { return !seenRows[row.id] && !row.hasAttribute('data-loaded'); });
    rows.forEach(function (row) { seenRows[row.id] = true; });
    if (first || !fresh.length) return;
    fresh.forEach(function (row) { row.classList.add('is-new'); });
    beep();
    notify(fresh[0], fresh.length);
  }

  function beep() {
    if (!soundOn) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (err) { /* no audio here: the title badge still shows it */ }
  }

  function notify(row, count) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    var who = $('.customer', row);
    var why = $('.reason-text', row);
    var title = count > 1 ? count + ' new chats waiting' : 'New chat waiting';
    try {
      var n = new Notification(title, {
        body: (who ? who.textContent : '') + (why ? ' — ' + why.textContent : ''),
        tag: 'chatsy-queue'
      });
      n.onclick = function () { window.focus(); n.close(); };
    } catch (err) { /* some browsers only notify from a service worker */ }
  }

  function setupToggles() {
    var bell = $('#notify-toggle');
    if (bell && 'Notification' in window && Notification.permission === 'default') {
      bell.hidden = false;
      bell.addEventListener('click', function () {
        Notification.requestPermission().then(function () { bell.hidden = true; });
      });
    }
    var sound = $('#sound-toggle');
    if (sound) {
      var render = function () {
        sound.textContent = soundOn ? 'Sound on' : 'Sound off';
        sound.setAttribute('aria-pressed', soundOn ? 'true' : 'false');
      };
      render();
      sound.addEventListener('click', function () {
        soundOn = !soundOn;
        sessionStorage.setItem('chatsy:sound', soundOn ? 'on' : 'off');
        render();
      });
    }
  }

  // ------------------------------------------------------------ clocks --
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }

  function tick() {
    var now = Date.now();
    $all('time.tick').forEach(function (el) {
      if (el.hasAttribute('datetime')) {
        var since = Date.parse(el.getAttribute('datetime'));
        if (!isNaN(since)) el.textContent = clock((now - since) / 1000);
      } else if (el.hasAttribute('data-seconds')) {
        if (!el._chatsyBase) el._chatsyBase = now - Number(el.getAttribute('data-seconds')) * 1000;
        el.textContent = clock((now - el._chatsyBase) / 1000);
      }
    });
  }

  // ------------------------------------------------------------ composer --
  var canned = [];

  function composerOf(el) { return el.closest && el.closest('form[data-composer]'); }

  function mode(form) {
    var checked = form.querySelector('input[name=kind]:checked');
    return checked ? checked.value : 'reply';
  }

  document.addEventListener('change', function (e) {
    var form = composerOf(e.target);
    if (!form || e.target.name !== 'kind') return;
    var note = mode(form) === 'note';
    var box = form.querySelector('textarea');
    form.classList.toggle('is-note', note);
    box.placeholder = box.getAttribute(note ? 'data-note-placeholder' : 'data-reply-placeholder');
    stopTyping(form);
  });

  document.addEventListener('input', function (e) {
    var form = composerOf(e.target);
    if (!form || e.target.tagName !== 'TEXTAREA') return;
    updateMenu(form, e.target);
    if (mode(form) !== 'reply' || !e.target.value.trim()) { stopTyping(form); return; }
    var now = Date.now();
    if (!form._typingAt || now - form._typingAt > TYPING_THROTTLE_MS) {
      form._typingAt = now;
      send({ type: 'typing', conversation: form.getAttribute('data-chat'), active: true });
    }
    clearTimeout(form._typingIdle);
    form._typingIdle = setTimeout(function () { stopTyping(form); }, TYPING_IDLE_MS);
  });

  function stopTyping(form) {
    clearTimeout(form._typingIdle);
    if (!form._typingAt) return;
    form._typingAt = 0;
    send({ type: 'typing', conversation: form.getAttribute('data-chat'), active: false });
  }

  document.addEventListener('keydown', function (e) {
    var form = composerOf(e.target);
    if (!form || e.target.tagName !== 'TEXTAREA') return;
    if (menuKey(form, e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (e.target.value.trim()) form.requestSubmit();
    }
  });

  document.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (!form || !form.matches || !form.matches('form[data-composer]') || !e.detail.successful) return;
    var box = form.querySelector('textarea');
    box.value = '';
    stopTyping(form);
    closeMenu(form);
    box.focus();
  });

  // `/` at the start of a word opens the canned replies, filtered by what follows it.
  function slashQuery(box) {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|\s)\/([\w-]*)$/.exec(before);
    return match ? { query: match[2].toLowerCase(), start: before.length - match[2].length - 1 } : null;
  }

  function updateMenu(form, box) {
    var menu = form.querySelector('.canned-menu');
    var slash = slashQuery(box);
    if (!slash) { closeMenu(form); return; }
    var hits = canned.filter(function (r) {
      return r.shortcut.toLowerCase().indexOf(slash.query) >= 0 || r.title.toLowerCase().indexOf(slash.query) >= 0;
    }).slice(0, 8);
    menu.textContent = '';
    if (!hits.length) {
      var none = document.createElement('li');
      none.className = 'canned-empty';
      none.textContent = canned.length ? 'No canned reply matches “/' + slash.query + '”' : 'No canned replies yet (add them in admin)';
      menu.appendChild(none);
    }
    hits.forEach(function (reply, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.id = menu.id + '-' + i;
      li.className = 'canned-item';
      var key = document.createElement('span');
      key.className = 'canned-key';
      key.textContent = '/' + reply.shortcut;
      var title = document.createElement('span');
      title.className = 'canned-title';
      title.textContent = reply.title;
      var body = document.createElement('span');
      body.className = 'canned-body';
      body.textContent = reply.body;
      li.appendChild(key); li.appendChild(title); li.appendChild(body);
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); insert(form, reply); });
      menu.appendChild(li);
    });
    form._hits = hits;
    menu.hidden = false;
    box.setAttribute('aria-expanded', 'true');
    select(form, 0);
  }

  function select(form, index) {
    var items = $all('.canned-item', form);
    if (!items.length) return;
    form._selected = (index + items.length) % items.length;
    items.forEach(function (li, i) { li.setAttribute('aria-selected', i === form._selected ? 'true' : 'false'); });
    form.querySelector('textarea').setAttribute('aria-activedescendant', items[form._selected].id);
    items[form._selected].scrollIntoView({ block: 'nearest' });
  }

  function menuKey(form, e) {
    var menu = form.querySelector('.canned-menu');
    if (!menu || menu.hidden) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      select(form, (form._selected || 0) + (e.key === 'ArrowDown' ? 1 : -1));
      return true;
    }
    if ((e.key === 'Enter' || e.key === 'Tab') && form._hits && form._hits.length) {
      e.preventDefault();
      insert(form, form._hits[form._selected || 0]);
      return true;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeMenu(form);
      return true;
    }
    return false;
  }

  function insert(form, reply) {
    var box = form.querySelector('textarea');
    var slash = slashQuery(box);
    var start = slash ? slash.start : box.selectionStart;
    box.value = box.value.slice(0, start) + reply.body + box.value.slice(box.selectionStart);
    var caret = start + reply.body.length;
    box.setSelectionRange(caret, caret);
    closeMenu(form);
    box.focus();
  }

  function closeMenu(form) {
    var menu = form.querySelector('.canned-menu');
    var box = form.querySelector('textarea');
    if (menu) { menu.hidden = true; menu.textContent = ''; }
    if (box) { box.setAttribute('aria-expanded', 'false'); box.removeAttribute('aria-activedescendant'); }
    form._hits = null;
  }

  // ------------------------------------------------------ dialogs, toasts --
  // Dialogs load into #modal, which sits outside every swapped region (base.html); their
  // buttons name hx-target and hx-swap themselves. Opening focuses the first field; Cancel,
  // ✕ and Escape close it; focus then returns to the button that opened it.
  var dialogOpener = null;

  document.addEventListener('htmx:beforeRequest', function (e) {
    var target = e.detail && e.detail.target;
    if (target && target.id === 'modal') dialogOpener = e.detail.elt;
  });

  function showDialogs() {
    $all('dialog[data-autoshow]').forEach(function (d) {
      if (d.open) return;
      d.showModal();
      var first = d.querySelector('.has-error input, .has-error select, .has-error textarea') ||
        d.querySelector('input:not([type=hidden]), select, textarea');
      if (first) first.focus();
    });
  }

  function closeDialog(d) {
    d.remove();
    var opener = dialogOpener;
    dialogOpener = null;
    if (opener && document.body.contains(opener)) opener.focus();
  }

  document.addEventListener('click', function (e) {
    var closer = e.target.closest('[data-close]');
    if (closer) closeDialog(closer.closest('dialog'));
  });
  document.addEventListener('close', function (e) {
    // Escape closes it and forgets it; a dialog replaced by its re-render is already gone.
    if (e.target.tagName === 'DIALOG' && e.target.isConnected) closeDialog(e.target);
  }, true);

  function expireToasts() {
    $all('.toast:not([data-expires])').forEach(function (t) {
      t.setAttribute('data-expires', '1');
      setTimeout(function () { t.remove(); }, TOAST_MS);
    });
  }

  // --------------------------------------------------------------- boot --
  function boot() {
    var data = document.getElementById('canned-replies');
    try { canned = data ? JSON.parse(data.textContent) : []; } catch (err) { canned = []; }
    setupToggles();
    var wanted = new URLSearchParams(location.search).get('chat');
    if (wanted && document.getElementById('tab-' + wanted)) activate(wanted, true);
    else syncTabs();
    boundLists();
    scanQueue();
    tick();
    setInterval(tick, 1000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
