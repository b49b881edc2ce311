/*!
 * Chatsy chat widget: plain JavaScript, no dependencies, no build step.
 *
 *   <script src="https://chat.example.com/static/chatsy/widget.js" data-chatsy-key="demo-store" async></script>
 *
 * Talks to the Chatsy server it was loaded from, over one HTTP call and one websocket,
 * exactly as described in docs/widget-protocol.md. Everything renders inside an open
 * Shadow DOM on <div id="chatsy-widget">; every piece of user or server text goes in
 * through textContent, never as HTML.
 *
 * Debug/test hook: window.Chatsy = {open(), close(), toggle(), state()}.
 */
(function () {
  'use strict';

  if (typeof window === 'undefined' || !window.document) return;
  if (window.Chatsy && window.Chatsy.__chatsy) return; // loaded twice: keep the first one

  // ---------------------------------------------------------------- constants --
  var HOST_ID = 'chatsy-widget';
  var MAX_CHARS = 4000;
  var COUNTER_FROM = 3500;
  var MAX_FRAME_BYTES = 16 * 1024;
  var PING_MS = 25000;
  var PONG_TIMEOUT_MS = 10000;
  var CONNECT_TIMEOUT_MS = 15000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 15000;
  var BACKOFF_JITTER = 0.3;
  var STABLE_CONNECTION_MS = 5000;
  var HISTORY_WAIT_MS = 3000;
  // A live message past a gap in seq: a broadcast was lost (or overtaken); resync if the gap
  // is still there this much later.
  var GAP_WAIT_MS = 1000;
  // Close codes the server uses (docs/widget-protocol.md, "Close codes").
  var CLOSE_RESYNC = 4010;           // reconnect and resync at once, no backoff
  var CLOSE_POLICY = 4400;           // a frame before auth, or too many bad frames: stop
  var CLOSE_AUTH_FAILED = 4401;      // the token is no good: a new one, once, then stop
  var CLOSE_UNSUPPORTED = 4415;      // a binary frame: stop
  var CLOSE_OVER_BUDGET = 4429;      // over a rate budget: wait the longest backoff
  var REMOTE_TYPING_MS = 8000;
  var TYPING_THROTTLE_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var NEAR_BOTTOM_PX = 80;
  var DEFAULT_WS_PATH = '/ws/widget/';
  var DEFAULT_GREETING = 'Hi there! How can we help you today?';

  var COPY = {
    open: 'Open chat',
    cancelWait: 'Cancel and keep chatting with the bot',
    agentComing: 'Someone from our team is about to join.',
    close: 'Close chat',
    minimize: 'Minimize chat',
    subtitle: 'Ask us anything, we\u2019re here to help',
    connecting: 'Connecting\u2026',
    lost: 'Connection lost \u2014 reconnecting\u2026',
    trouble: 'Having trouble connecting \u2014 retrying\u2026',
    emptySub: 'Send us a message and we\u2019ll reply right here.',
    placeholder: 'Write a message\u2026',
    inputLabel: 'Message',
    send: 'Send message',
    sending: 'Sending\u2026',
    retry: 'Not sent \u2014 tap to retry',
    tooLong: 'That\u2019s too long to send \u2014 please keep it under 4,000 characters.',
    dismiss: 'Dismiss',
    offlineAction: 'You\u2019re offline right now. Please try again in a moment.',
    unavailable: 'Chat isn\u2019t available right now. Please try again later.',
    jump: 'New messages',
    you: 'You',
    bot: 'Bot',
    agent: 'Agent',
    log: 'Conversation',
    csatTitle: 'How did we do? Rate this chat.',
    csatComment: 'Anything you\u2019d like to add? (optional)',
    csatSend: 'Send rating',
    csatThanks: 'Thanks for your feedback!',
    star: function (n) { return n + (n === 1 ? ' star' : ' stars'); }
  };

  var ERROR_COPY = {
    message_too_long: 'Your message is too long (4,000 characters max).',
    frame_too_large: 'Your message is too long (4,000 characters max).',
    empty_message: 'Your message is empty.',
    rate_limited: 'You\u2019re sending messages too fast. Please wait a moment.',
    bad_json: 'Something went wrong. Please try again.',
    unknown_type: 'Something went wrong. Please try again.',
    invalid_frame: 'Something went wrong. Please try again.'
  };

  // ------------------------------------------------------------ find ourselves --
  function findScript() {
    var cs = document.currentScript;
    if (cs && cs.getAttribute && cs.getAttribute('data-chatsy-key')) return cs;
    var list = document.querySelectorAll('script[data-chatsy-key]');
    for (var i = 0; i < list.length; i++) {
      if (/widget\.js(?:[?#].*)?$/.test(list[i].getAttribute('src') || '')) return list[i];
    }
    return list.length ? list[0] : null;
  }

  var script = findScript();
  if (!script) return;
  var siteKey = (script.getAttribute('data-chatsy-key') || '').trim();
  if (!siteKey) {
    warn('data-chatsy-key is missing on the widget <script> tag.');
    return;
  }
  var srcUrl;
  try {
    srcUrl = new URL(script.src, document.baseURI);
  } catch (e) {
    warn('cannot work out the Chatsy server from the script src.');
    return;
  }
  var serverOrigin = srcUrl.origin;
  var wsOrigin = (srcUrl.protocol === 'https:' ? 'wss://' : 'ws://') + srcUrl.host;

  function warn(msg) {
    try { window.console && console.warn && console.warn('[Chatsy] ' + msg); } catch (e) { /* ignore */ }
  }

  // ------------------------------------------------------------------ storage --
  function makeStore(kind) {
    var mem = {};
    var s = null;
    try {
      s = window[kind];
      s.setItem('chatsy:__probe', '1');
      s.removeItem('chatsy:__probe');
    } catch (e) {
      s = null;
    }
    return {
      get: function (k) {
        if (Object.prototype.hasOwnProperty.call(mem, k)) return mem[k];
        try { return s ? s.getItem(k) : null; } catch (e) { return null; }
      },
      set: function (k, v) {
        v = String(v);
        try {
          if (s) { s.setItem(k, v); delete mem[k]; return; }
        } catch (e) { /* quota or disabled: keep it in memory */ }
        mem[k] = v;
      },
      remove: function (k) {
        delete mem[k];
        try { if (s) s.removeItem(k); } catch (e) { /* ignore */ }
      }
    };
  }
  var local = makeStore('localStorage');
  var session = makeStore('sessionStorage');
  var KEY = 'chatsy:' + siteKey + ':';
  var K_TOKEN = KEY + 'token';
  var K_WS_PATH = KEY + 'ws_path';
  var K_SITE = KEY + 'site';
  var K_SEEN = KEY + 'seen';
  var K_ACTED = KEY + 'acted';
  var K_OPEN = KEY + 'open';
  var K_OUTBOX = KEY + 'outbox';
  var K_IDENT = KEY + 'identity'; // the identity the stored token was issued for

  function readJSON(store, k) {
    try {
      var v = store.get(k);
      return v ? JSON.parse(v) : null;
    } catch (e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- utilities --
  function uuid() {
    try {
      if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    } catch (e) { /* insecure context: fall through */ }
    var b = new Array(16);
    var i;
    try {
      var arr = new Uint8Array(16);
      window.crypto.getRandomValues(arr);
      for (i = 0; i < 16; i++) b[i] = arr[i];
    } catch (e) {
      for (i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = '';
    for (i = 0; i < 16; i++) {
      h += (b[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) h += '-';
    }
    return h;
  }

  function str(v) {
    return typeof v === 'string' ? v : (v == null ? '' : String(v));
  }

  function toSeq(v) {
    var n = typeof v === 'number' ? v : (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN);
    return isFinite(n) && n >= 0 && Math.floor(n) === n ? n : null;
  }

  // Characters as the server counts them (code points, not UTF-16 units).
  function charCount(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function byteLength(s) {
    try {
      if (window.TextEncoder) return new TextEncoder().encode(s).length;
    } catch (e) { /* ignore */ }
    return unescape(encodeURIComponent(s)).length;
  }

  function fmtNumber(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function pad2(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function parseDate(v) {
    var d = v ? new Date(v) : new Date();
    return isNaN(d.getTime()) ? new Date() : d;
  }

  function fmtTime(d) {
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }

  function fmtFull(d) {
    try {
      return d.toLocaleString('en-US', {
        weekday: 'long', year: 'numeric', month: 'long', day: 'numeric',
        hour: '2-digit', minute: '2-digit'
      });
    } catch (e) {
      return d.toString();
    }
  }

  // ------------------------------------------------------------------- DOM ----
  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        var v = attrs[k];
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    if (children) {
      for (var i = 0; i < children.length; i++) {
        var c = children[i];
        if (c == null || c === false) continue;
        e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      }
    }
    return e;
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var ICONS = {
    chat: ['M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z'],
    close: ['M18 6 6 18', 'M6 6l12 12'],
    down: ['M6 9l6 6 6-6'],
    send: ['M22 2 11 13', 'M22 2 15 22 11 13 2 9z'],
    alert: ['M12 8v5', 'M12 16.5v.01', 'M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z'],
    arrowDown: ['M12 5v14', 'M19 12l-7 7-7-7']
  };

  function icon(name, size) {
    var s = document.createElementNS(SVG_NS, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', String(size || 24));
    s.setAttribute('height', String(size || 24));
    s.setAttribute('fill', 'none');
    s.setAttribute('stroke', 'currentColor');
    s.setAttribute('stroke-width', '2');
    s.setAttribute('stroke-linecap', 'round');
    s.setAttribute('stroke-linejoin', 'round');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    var paths = ICONS[name] || [];
    for (var i = 0; i < paths.length; i++) {
      var p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', paths[i]);
      s.appendChild(p);
    }
    return s;
  }

  var CSS = [
    ':host{all:initial;--chatsy-brand:#4f46e5;--chatsy-brand-dark:#4338ca;--chatsy-brand-soft:#eef2ff;--chatsy-ring:rgba(79,70,229,.28);}',
    '*,*::before,*::after{box-sizing:border-box;}',
    '[hidden]{display:none !important;}',
    '.chatsy-root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";font-size:14px;line-height:1.45;font-weight:400;font-style:normal;letter-spacing:normal;text-align:left;text-transform:none;color:#111827;-webkit-font-smoothing:antialiased;-moz-osx-font-smoothing:grayscale;}',
    'button{font:inherit;color:inherit;margin:0;cursor:pointer;-webkit-tap-highlight-color:transparent;}',
    'button:focus{outline:none;}',
    'button:focus-visible{outline:2px solid var(--chatsy-brand);outline-offset:2px;}',
    '.chatsy-sr{position:absolute !important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0;}',

    /* launcher */
    '#chatsy-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--chatsy-brand);color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 6px 20px rgba(17,24,39,.24),0 2px 6px rgba(17,24,39,.12);transition:transform .16s ease,background-color .16s ease;}',
    '#chatsy-launcher:hover{background:var(--chatsy-brand-dark);transform:scale(1.05);}',
    '#chatsy-launcher:active{transform:scale(.97);}',
    '#chatsy-launcher:focus-visible{outline:3px solid var(--chatsy-brand);outline-offset:3px;}',
    '#chatsy-launcher svg{transition:transform .2s ease;}',
    '.chatsy-root.is-open #chatsy-launcher svg{transform:rotate(90deg);}',
    '#chatsy-unread{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#dc2626;color:#fff;font-size:11.5px;font-weight:700;line-height:16px;text-align:center;border:2px solid #fff;}',

    /* panel */
    '#chatsy-panel{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:370px;height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 116px);display:flex;flex-direction:column;overflow:hidden;background:#fff;border-radius:16px;box-shadow:0 16px 48px rgba(17,24,39,.22),0 2px 8px rgba(17,24,39,.08);animation:chatsy-in .18s ease-out;}',
    '@keyframes chatsy-in{from{opacity:0;transform:translateY(10px) scale(.98);}to{opacity:1;transform:none;}}',
    '.chatsy-header{flex:none;display:flex;align-items:center;gap:12px;min-height:64px;padding:12px 10px 12px 16px;background:var(--chatsy-brand);color:#fff;}',
    '.chatsy-avatar{flex:none;width:38px;height:38px;border-radius:50%;background:rgba(255,255,255,.18);display:flex;align-items:center;justify-content:center;}',
    '.chatsy-heading{flex:1;min-width:0;}',
    '#chatsy-title{margin:0;font-size:16px;font-weight:650;line-height:1.25;color:#fff;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}',
    '.chatsy-subtitle{margin:2px 0 0;font-size:12.5px;line-height:1.3;color:rgba(255,255,255,.85);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}',
    '.chatsy-icon-btn{flex:none;width:36px;height:36px;padding:0;border:0;border-radius:10px;background:transparent;color:#fff;display:flex;align-items:center;justify-content:center;transition:background-color .15s ease;}',
    '.chatsy-icon-btn:hover{background:rgba(255,255,255,.16);}',
    '.chatsy-header .chatsy-icon-btn:focus-visible{outline:2px solid #fff;outline-offset:0;}',

    '#chatsy-queue{flex:none;padding:8px 14px;background:#eff6ff;color:#1e40af;border-bottom:1px solid #bfdbfe;font-size:13px;}',
    '#chatsy-cancel-wait{display:block;margin-top:6px;padding:4px 10px;border:1px solid #93c5fd;border-radius:6px;background:#fff;color:#1e40af;font:inherit;cursor:pointer;}',
    '#chatsy-cancel-wait[hidden]{display:none;}',
    '#chatsy-banner{flex:none;display:flex;align-items:center;gap:8px;padding:8px 14px;background:#fffbeb;color:#92400e;border-bottom:1px solid #fde68a;font-size:13px;}',
    '.chatsy-spinner{flex:none;width:14px;height:14px;border-radius:50%;border:2px solid currentColor;border-right-color:transparent;animation:chatsy-spin .8s linear infinite;}',
    '@keyframes chatsy-spin{to{transform:rotate(360deg);}}',
    '#chatsy-notice{flex:none;display:flex;align-items:flex-start;gap:8px;margin:10px 12px 0;padding:8px 6px 8px 12px;border-radius:10px;background:#fef2f2;color:#991b1b;border:1px solid #fecaca;font-size:13px;}',
    '#chatsy-notice .chatsy-notice-text{flex:1;padding-top:2px;}',
    '#chatsy-notice .chatsy-icon-btn{width:26px;height:26px;border-radius:6px;color:#991b1b;}',
    '#chatsy-notice .chatsy-icon-btn:hover{background:#fee2e2;}',

    /* conversation */
    '.chatsy-body{position:relative;flex:1 1 auto;min-height:0;display:flex;flex-direction:column;background:#f8fafc;}',
    '.chatsy-scroll{flex:1 1 auto;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:16px 14px 10px;-webkit-overflow-scrolling:touch;}',
    '#chatsy-loading,#chatsy-unavailable{display:flex;align-items:center;justify-content:center;gap:10px;padding:40px 16px;color:#4b5563;font-size:13.5px;text-align:center;}',
    '#chatsy-empty{padding:36px 20px 16px;text-align:center;color:#374151;}',
    '.chatsy-empty-icon{width:52px;height:52px;margin:0 auto 14px;border-radius:50%;background:var(--chatsy-brand-soft);color:var(--chatsy-brand);display:flex;align-items:center;justify-content:center;}',
    '.chatsy-empty-text{margin:0;font-size:15px;font-weight:600;color:#111827;white-space:pre-wrap;overflow-wrap:anywhere;}',
    '.chatsy-empty-sub{margin:6px 0 0;font-size:13px;color:#4b5563;}',

    '#chatsy-messages{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;}',
    '.chatsy-msg{display:flex;flex-direction:column;align-items:flex-start;margin:12px 0 0;padding:0;max-width:100%;}',
    '.chatsy-msg:first-child{margin-top:0;}',
    '.chatsy-msg.is-continued{margin-top:4px;}',
    '.chatsy-msg.is-continued .chatsy-label{display:none;}',
    '.chatsy-msg[data-sender="customer"]{align-items:flex-end;}',
    '.chatsy-msg[data-sender="system"]{align-items:center;margin-top:14px;margin-bottom:2px;}',
    '.chatsy-label{display:flex;align-items:center;gap:6px;max-width:85%;margin:0 0 4px 4px;font-size:12px;font-weight:500;color:#4b5563;}',
    '.chatsy-name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}',
    '.chatsy-tag{flex:none;padding:1px 6px;border-radius:999px;background:var(--chatsy-brand-soft);color:var(--chatsy-brand-dark);font-size:11px;font-weight:600;line-height:1.4;}',
    '.chatsy-bubble{max-width:82%;padding:9px 13px;border-radius:16px;border-bottom-left-radius:6px;background:#fff;color:#111827;border:1px solid #e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;box-shadow:0 1px 1px rgba(17,24,39,.03);}',
    '.chatsy-msg[data-sender="agent"] .chatsy-bubble{border-color:#c7d2fe;}',
    '.chatsy-msg[data-sender="customer"] .chatsy-bubble{background:var(--chatsy-brand);color:#fff;border-color:transparent;border-radius:16px;border-bottom-right-radius:6px;}',
    '.chatsy-msg[data-sender="system"] .chatsy-bubble{max-width:90%;padding:2px 10px;background:transparent;border:0;box-shadow:none;color:#4b5563;font-size:12.5px;text-align:center;}',
    '.chatsy-foot{display:flex;align-items:center;gap:6px;margin:3px 6px 0;font-size:11px;color:#4b5563;}',
    '.chatsy-msg[data-sender="system"] .chatsy-foot{display:none;}',
    '.chatsy-msg.is-sending .chatsy-bubble{opacity:.72;}',
    '.chatsy-msg.is-failed .chatsy-bubble{background:#fef2f2;color:#7f1d1d;border:1px solid #fca5a5;}',
    '.chatsy-retry{padding:2px 0;border:0;background:none;color:#b91c1c;font-size:12px;font-weight:600;text-decoration:underline;text-underline-offset:2px;}',
    '.chatsy-error{max-width:82%;margin:2px 6px 0;font-size:12px;color:#b91c1c;text-align:right;}',
    '.chatsy-actions{display:flex;flex-wrap:wrap;gap:6px;max-width:92%;margin:8px 0 0;}',
    '.chatsy-action{padding:6px 13px;border:1px solid var(--chatsy-brand);border-radius:999px;background:#fff;color:var(--chatsy-brand);font-size:13px;font-weight:500;line-height:1.3;transition:background-color .15s ease,color .15s ease;}',
    '.chatsy-action:hover:not(:disabled){background:var(--chatsy-brand);color:#fff;}',
    '.chatsy-action:disabled{cursor:default;opacity:.45;}',
    '.chatsy-action.is-chosen:disabled{opacity:1;background:var(--chatsy-brand);color:#fff;}',

    '#chatsy-typing{display:flex;align-items:center;gap:8px;margin:12px 0 0;font-size:12.5px;color:#4b5563;}',
    /* post-chat rating (CSAT) */
    '#chatsy-csat{margin:14px 0 4px;padding:12px 14px;border:1px solid #e5e7eb;border-radius:14px;background:#fff;box-shadow:0 1px 2px rgba(17,24,39,.05);}',
    '.chatsy-csat-title{margin:0 0 8px;font-size:13.5px;font-weight:600;color:#111827;}',
    '.chatsy-stars{display:flex;gap:4px;margin:0 0 8px;}',
    '.chatsy-star{width:34px;height:34px;padding:0;border:1px solid #e5e7eb;border-radius:9px;background:#fff;color:#6b7280;font-size:20px;line-height:1;transition:color .12s ease,border-color .12s ease;}',
    '.chatsy-star.is-on{color:#f59e0b;border-color:#fcd34d;background:#fffbeb;}',
    '.chatsy-star:hover{border-color:var(--chatsy-brand);}',
    '#chatsy-csat-comment{display:block;width:100%;min-height:54px;margin:0 0 8px;padding:8px 10px;resize:vertical;border:1px solid #d1d5db;border-radius:10px;font:inherit;font-size:13px;color:#111827;outline:none;}',
    '#chatsy-csat-comment:focus{border-color:var(--chatsy-brand);box-shadow:0 0 0 3px var(--chatsy-ring);}',
    '#chatsy-csat-submit{padding:7px 14px;border:0;border-radius:9px;background:var(--chatsy-brand);color:#fff;font-size:13px;font-weight:600;}',
    '#chatsy-csat-submit:disabled{opacity:.45;cursor:not-allowed;}',
    '#chatsy-csat-thanks{margin:0;font-size:13.5px;font-weight:600;color:#047857;}',
    /* alternatives to waiting (callback, email, scheduled call, message) */
    '#chatsy-alt-bar{flex:none;display:flex;justify-content:flex-end;padding:6px 14px;background:#f9fafb;border-bottom:1px solid #e5e7eb;}',
    '#chatsy-alt-open{padding:5px 12px;border:1px solid var(--chatsy-brand);border-radius:999px;background:#fff;color:var(--chatsy-brand);font-size:12.5px;font-weight:600;}',
    '#chatsy-alt{margin:14px 0 4px;padding:12px 14px;border:1px solid #e5e7eb;border-radius:14px;background:#fff;box-shadow:0 1px 2px rgba(17,24,39,.05);}',
    '#chatsy-alt h3{margin:0 0 6px;font-size:14px;font-weight:600;color:#111827;}',
    '.chatsy-alt-text{margin:0 0 10px;font-size:13px;line-height:1.45;color:#374151;}',
    '.chatsy-alt-options{display:flex;flex-direction:column;gap:6px;margin:0;padding:0;list-style:none;}',
    '.chatsy-alt-option{width:100%;min-height:40px;padding:8px 12px;border:1px solid #d1d5db;border-radius:10px;background:#fff;color:#111827;font-size:13.5px;font-weight:500;text-align:left;}',
    '.chatsy-alt-option:hover,.chatsy-alt-option:focus-visible{border-color:var(--chatsy-brand);}',
    '.chatsy-alt-field{margin:0 0 10px;}',
    '.chatsy-alt-field label{display:block;margin:0 0 4px;font-size:12.5px;font-weight:600;color:#374151;}',
    '.chatsy-alt-field input,.chatsy-alt-field select,.chatsy-alt-field textarea{display:block;box-sizing:border-box;width:100%;min-height:40px;padding:8px 10px;border:1px solid #d1d5db;border-radius:10px;background:#fff;font:inherit;font-size:16px;color:#111827;outline:none;}',
    '.chatsy-alt-field textarea{min-height:72px;resize:vertical;}',
    '.chatsy-alt-field [aria-invalid="true"]{border-color:#dc2626;}',
    '.chatsy-alt-field input:focus,.chatsy-alt-field select:focus,.chatsy-alt-field textarea:focus{border-color:var(--chatsy-brand);box-shadow:0 0 0 3px var(--chatsy-ring);}',
    '.chatsy-alt-err{margin:4px 0 0;font-size:12.5px;color:#b91c1c;}',
    '.chatsy-alt-actions{display:flex;gap:8px;flex-wrap:wrap;}',
    '.chatsy-alt-submit{padding:8px 16px;border:0;border-radius:9px;background:var(--chatsy-brand);color:#fff;font-size:13.5px;font-weight:600;}',
    '.chatsy-alt-submit:disabled{opacity:.6;cursor:progress;}',
    '.chatsy-alt-back{padding:8px 12px;border:1px solid #d1d5db;border-radius:9px;background:#fff;color:#374151;font-size:13.5px;}',
    '.chatsy-dots{flex:none;display:inline-flex;align-items:center;gap:4px;padding:11px 12px;border-radius:16px;border-bottom-left-radius:6px;background:#fff;border:1px solid #e5e7eb;}',
    '.chatsy-dots span{width:6px;height:6px;border-radius:50%;background:#9ca3af;animation:chatsy-dot 1.2s infinite ease-in-out;}',
    '.chatsy-dots span:nth-child(2){animation-delay:.15s;}',
    '.chatsy-dots span:nth-child(3){animation-delay:.3s;}',
    '@keyframes chatsy-dot{0%,80%,100%{opacity:.35;transform:translateY(0);}40%{opacity:1;transform:translateY(-3px);}}',

    '#chatsy-jump{position:absolute;left:50%;bottom:10px;transform:translateX(-50%);display:flex;align-items:center;gap:6px;padding:6px 12px;border:0;border-radius:999px;background:var(--chatsy-brand);color:#fff;font-size:12.5px;font-weight:600;box-shadow:0 4px 12px rgba(17,24,39,.2);}',

    /* composer */
    '.chatsy-composer{flex:none;padding:10px 12px 12px;background:#fff;border-top:1px solid #e5e7eb;}',
    '.chatsy-compose-row{display:flex;align-items:flex-end;gap:8px;}',
    '#chatsy-input{flex:1;display:block;min-width:0;min-height:42px;max-height:132px;margin:0;padding:10px 12px;resize:none;overflow-y:auto;border:1px solid #d1d5db;border-radius:12px;background:#fff;color:#111827;font:inherit;font-size:14px;line-height:1.4;outline:none;transition:border-color .15s ease,box-shadow .15s ease;}',
    '#chatsy-input::placeholder{color:#6b7280;opacity:1;}',
    '#chatsy-input:focus{border-color:var(--chatsy-brand);box-shadow:0 0 0 3px var(--chatsy-ring);}',
    '#chatsy-input[aria-invalid="true"]{border-color:#dc2626;}',
    '#chatsy-input[aria-invalid="true"]:focus{box-shadow:0 0 0 3px rgba(220,38,38,.22);}',
    '#chatsy-input:disabled{background:#f3f4f6;cursor:not-allowed;}',
    '#chatsy-send{flex:none;width:42px;height:42px;padding:0;border:0;border-radius:12px;background:var(--chatsy-brand);color:#fff;display:flex;align-items:center;justify-content:center;transition:background-color .15s ease,opacity .15s ease;}',
    '#chatsy-send:hover:not(:disabled){background:var(--chatsy-brand-dark);}',
    '#chatsy-send.is-empty{opacity:.55;}',
    '#chatsy-send:disabled{opacity:.4;cursor:not-allowed;}',
    '.chatsy-compose-meta{display:flex;align-items:flex-start;justify-content:space-between;gap:10px;font-size:12px;color:#4b5563;}',
    '#chatsy-hint{flex:1;margin-top:6px;color:#b91c1c;}',
    '#chatsy-hint:empty{margin:0;}',
    '#chatsy-counter{flex:none;margin-top:6px;margin-left:auto;font-variant-numeric:tabular-nums;}',
    '#chatsy-counter.is-over{color:#b91c1c;font-weight:700;}',

    /* phones: full screen; the launcher becomes the header close button */
    '@media (max-width:480px){',
    '#chatsy-launcher{right:16px;bottom:16px;}',
    '#chatsy-panel{top:0;right:0;bottom:0;left:0;width:100%;height:100%;max-width:none;max-height:none;border-radius:0;box-shadow:none;}',
    '.chatsy-header{padding-top:calc(12px + env(safe-area-inset-top, 0px));padding-right:60px;}',
    '.chatsy-root.is-open #chatsy-launcher{top:calc(12px + env(safe-area-inset-top, 0px));right:10px;bottom:auto;width:40px;height:40px;border-radius:10px;background:transparent;box-shadow:none;transform:none;}',
    '.chatsy-root.is-open #chatsy-launcher:hover{background:rgba(255,255,255,.16);}',
    '.chatsy-root.is-open #chatsy-launcher:focus-visible{outline:2px solid #fff;outline-offset:0;}',
    '.chatsy-root.is-open #chatsy-launcher svg{transform:none;}',
    '.chatsy-root.is-open #chatsy-unread{display:none;}',
    '#chatsy-close{display:none;}',
    '#chatsy-input{font-size:16px;}',
    '.chatsy-composer{padding-bottom:calc(12px + env(safe-area-inset-bottom, 0px));}',
    '}',

    '@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none !important;transition:none !important;scroll-behavior:auto !important;}.chatsy-dots span{opacity:.8;}}'
  ].join('\n');

  // ------------------------------------------------- transcript by email (issue 13) --
  // The visitor emails themselves the conversation: offered under the rating when a person
  // resolves the chat, and at any time from the header's mail button. One `transcript` frame
  // per request; its client_id is reused when the same request is sent again (a reconnect, a
  // retry after no answer), so the server sends one email (docs/widget-protocol.md).
  var TRANSCRIPT_COPY = {
    open: 'Email me the transcript',
    title: 'Email me a copy of this chat',
    label: 'Your email address',
    placeholder: 'you@example.com',
    send: 'Send',
    sending: 'Sending\u2026',
    invalid: 'Please enter a valid email address.',
    offline: 'You\u2019re offline right now. Please try again in a moment.',
    noAnswer: 'Not sent yet \u2014 please check your connection and try again.',
    done: function (email) { return 'Done! The transcript is on its way to ' + email + '.'; },
    empty: 'There\u2019s nothing to send yet.',
    tooMany: 'You\u2019ve asked for several transcripts already. Please try again later.'
  };
  var TRANSCRIPT_ANSWER_MS = 10000;
  var EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  ICONS.mail = ['M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z', 'M22 6l-10 7L2 6'];
  CSS += '\n' + [
    '#chatsy-transcript{margin:14px 0 4px;padding:12px 14px;border:1px solid #e5e7eb;border-radius:14px;background:#fff;box-shadow:0 1px 2px rgba(17,24,39,.05);}',
    '.chatsy-transcript-title{margin:0 0 8px;font-size:13.5px;font-weight:600;color:#111827;}',
    '.chatsy-transcript-row{display:flex;gap:8px;}',
    '#chatsy-transcript-email{flex:1;min-width:0;padding:7px 10px;border:1px solid #d1d5db;border-radius:10px;font:inherit;font-size:13px;color:#111827;outline:none;}',
    '#chatsy-transcript-email:focus{border-color:var(--chatsy-brand);box-shadow:0 0 0 3px var(--chatsy-ring);}',
    '#chatsy-transcript-email[aria-invalid="true"]{border-color:#dc2626;}',
    '#chatsy-transcript-send{flex:none;padding:7px 14px;border:0;border-radius:9px;background:var(--chatsy-brand);color:#fff;font-size:13px;font-weight:600;}',
    '#chatsy-transcript-send:disabled{opacity:.55;cursor:progress;}',
    '#chatsy-transcript-status{margin:6px 0 0;font-size:12.5px;color:#374151;}',
    '#chatsy-transcript-status:empty{margin:0;}',
    '#chatsy-transcript-status.is-error{color:#b91c1c;}',
    '#chatsy-transcript-status.is-done{color:#047857;font-weight:600;}'
  ].join('\n');

  // The request in flight: {clientId, email} until the server answers.
  var T = { pending: null, fromMenu: false };

  function buildTranscript() {
    ui.transcriptEmail = h('input', {
      id: 'chatsy-transcript-email', type: 'email', name: 'email', autocomplete: 'email',
      inputmode: 'email', maxlength: '254', placeholder: TRANSCRIPT_COPY.placeholder,
      'aria-describedby': 'chatsy-transcript-status', required: true
    });
    ui.transcriptSend = h('button', { type: 'submit', id: 'chatsy-transcript-send', text: TRANSCRIPT_COPY.send });
    ui.transcriptRow = h('div', { class: 'chatsy-transcript-row' }, [
      h('label', { class: 'chatsy-sr', for: 'chatsy-transcript-email', text: TRANSCRIPT_COPY.label }),
      ui.transcriptEmail, ui.transcriptSend
    ]);
    ui.transcriptStatus = h('p', { id: 'chatsy-transcript-status', role: 'status', 'aria-live': 'polite' });
    ui.transcriptForm = h('form', { id: 'chatsy-transcript-form', novalidate: true, 'aria-labelledby': 'chatsy-transcript-title' }, [
      h('p', { class: 'chatsy-transcript-title', id: 'chatsy-transcript-title', text: TRANSCRIPT_COPY.title }),
      ui.transcriptRow, ui.transcriptStatus
    ]);
    ui.transcriptForm.addEventListener('submit', function (e) {
      e.preventDefault();
      submitTranscript();
    });
    ui.transcriptForm.addEventListener('keydown', function (e) {
      if (e.key !== 'Escape' || !T.fromMenu) return;
      e.stopPropagation(); // closes the form, not the panel
      toggleTranscript(false);
    });
    ui.transcriptEmail.addEventListener('input', function () {
      if (ui.transcriptEmail.getAttribute('aria-invalid') === 'true') transcriptStatus('', '');
    });
    ui.transcriptBtn = h('button', {
      id: 'chatsy-transcript-btn', type: 'button', class: 'chatsy-icon-btn',
      'aria-label': TRANSCRIPT_COPY.open, title: TRANSCRIPT_COPY.open,
      'aria-controls': 'chatsy-transcript', 'aria-expanded': 'false'
    }, [icon('mail', 20)]);
    ui.transcriptBtn.addEventListener('click', function () { toggleTranscript(ui.transcript.hidden); });
    return h('section', { id: 'chatsy-transcript', hidden: true }, [ui.transcriptForm]);
  }

  // Open (a fresh form, focused) or close it from the header's button.
  function toggleTranscript(open) {
    T.fromMenu = open;
    ui.transcriptBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (!open) {
      ui.transcript.hidden = true;
      ui.transcriptBtn.focus();
      return;
    }
    offerTranscript();
    ui.transcriptEmail.focus();
    ui.transcript.scrollIntoView({ block: 'nearest' });
  }

  // Shown (again) with an empty status: at a resolve, or from the header's button.
  function offerTranscript() {
    if (!ui.transcript.hidden && ui.transcriptRow.hidden === false) return;
    if (!T.pending) {
      ui.transcriptRow.hidden = false;
      transcriptStatus('', '');
    }
    ui.transcript.hidden = false;
    ui.transcriptBtn.setAttribute('aria-expanded', 'true');
    if (S.open && isNearBottom()) scrollToBottom();
  }

  function transcriptStatus(text, kind) {
    ui.transcriptStatus.textContent = text;
    ui.transcriptStatus.className = kind ? 'is-' + kind : '';
    ui.transcriptEmail.setAttribute('aria-invalid', kind === 'error' ? 'true' : 'false');
  }

  function transcriptBusy(busy) {
    ui.transcriptSend.disabled = busy;
    ui.transcriptSend.textContent = busy ? TRANSCRIPT_COPY.sending : TRANSCRIPT_COPY.send;
    ui.transcriptForm.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function submitTranscript() {
    if (T.pending) return; // one request at a time
    var email = ui.transcriptEmail.value.trim();
    if (!EMAIL_SHAPE.test(email) || email.length > 254) {
      transcriptStatus(TRANSCRIPT_COPY.invalid, 'error');
      ui.transcriptEmail.focus();
      return;
    }
    // The same address again after no answer: the same request (one email at most).
    var last = T.last && T.last.email === email ? T.last : null;
    T.pending = last || { clientId: uuid(), email: email };
    T.last = T.pending;
    if (!sendTranscriptFrame()) {
      T.pending = null;
      transcriptStatus(TRANSCRIPT_COPY.offline, 'error');
      return;
    }
    transcriptBusy(true);
    transcriptStatus(TRANSCRIPT_COPY.sending, '');
  }

  function sendTranscriptFrame() {
    var p = T.pending;
    if (!p) return false;
    var zone = '';
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { zone = ''; }
    if (!rawSend({ type: 'transcript', client_id: p.clientId, email: p.email, time_zone: zone })) return false;
    clearTimer('transcript');
    timers.transcript = setTimeout(function () {
      timers.transcript = null;
      if (!T.pending) return;
      T.pending = null;
      transcriptBusy(false);
      transcriptStatus(TRANSCRIPT_COPY.noAnswer, 'error');
    }, TRANSCRIPT_ANSWER_MS);
    return true;
  }

  // After a reconnect: the request in flight goes again, with the same client_id.
  function transcriptOnReady() {
    if (T.pending) sendTranscriptFrame();
  }

  function onTranscriptQueued(f) {
    if (!T.pending || f.client_id !== T.pending.clientId) return;
    clearTimer('transcript');
    var email = str(f.email) || T.pending.email;
    T.pending = null;
    T.last = null;
    transcriptBusy(false);
    ui.transcriptRow.hidden = true;
    ui.transcriptEmail.value = '';
    transcriptStatus(TRANSCRIPT_COPY.done(email), 'done');
  }

  // An error about our request: shown in the form. True if it was ours.
  function onTranscriptError(code, message, cid) {
    if (!T.pending || cid !== T.pending.clientId) return false;
    clearTimer('transcript');
    T.pending = null;
    transcriptBusy(false);
    var text = code === 'invalid_email' ? TRANSCRIPT_COPY.invalid
      : code === 'transcript_empty' ? TRANSCRIPT_COPY.empty
      : code === 'rate_limited' ? TRANSCRIPT_COPY.tooMany
      : (message || TRANSCRIPT_COPY.noAnswer);
    if (code !== 'rate_limited') T.last = null; // a new request next time
    transcriptStatus(text, 'error');
    ui.transcriptEmail.focus();
    return true;
  }

  function resetTranscript() {
    clearTimer('transcript');
    T.pending = null;
    T.last = null;
    T.fromMenu = false;
    if (!ui.transcript) return;
    transcriptBusy(false);
    transcriptStatus('', '');
    ui.transcriptRow.hidden = false;
    ui.transcript.hidden = true;
    ui.transcriptBtn.setAttribute('aria-expanded', 'false');
  }
  // ------------------------------------------------------ end of transcript by email --

  // ------------------------------------------ handoff notice, waiting line, header (issue 14) --
  // The handoff notice is a card with its time, announced politely. One waiting banner shows
  // exactly one state at a time (waitingView, a pure function of what the frames said): the
  // place in line, "about to join", offline, or joined. The header names the person who joined
  // (initials avatar) or the team and whether it is online; with the bot, the bot's name.
  // Message bodies become text nodes, http(s) links and "- " / "• " lists: never HTML.
  var UX_COPY = {
    connecting: function (team) { return 'Connecting you with our ' + team + '\u2026'; },
    team: 'team',
    online: 'online',
    offline: 'offline',
    back: function (back) { return 'back ' + back; },
    closedLine: function (team, back) {
      return 'Our ' + team + ' is offline right now' + (back ? ' \u2014 we\u2019re back ' + back : '') + '.';
    },
    nobodyLine: function (team) { return 'Nobody from our ' + team + ' is available right now.'; },
    waitingLine: 'You\u2019re in line \u2014 someone will be with you soon.',
    joinedLine: function (name) { return 'You\u2019re chatting with ' + name + '.'; },
    withBot: function (bot) { return 'Chatting with ' + bot; },
    handoffLabel: 'Handoff to our team'
  };
  // An http(s) URL up to whitespace; trailing punctuation is trimmed off it (linkParts).
  var URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
  var LIST_LINE = /^\s*(?:- |\u2022 )/;
  CSS += '\n' + [
    '.chatsy-bubble a{color:inherit;text-decoration:underline;text-underline-offset:2px;overflow-wrap:anywhere;}',
    '.chatsy-msg[data-sender="bot"] .chatsy-bubble a,.chatsy-msg[data-sender="agent"] .chatsy-bubble a{color:#3730a3;}',
    '.chatsy-bubble ul{margin:4px 0;padding:0 0 0 18px;white-space:normal;}',
    '.chatsy-bubble li{margin:2px 0;white-space:pre-wrap;}',
    '.chatsy-msg.is-handoff{align-items:stretch;}',
    '.chatsy-handoff{margin:0 4px;padding:10px 14px;border:1px solid #c7d2fe;border-left:4px solid var(--chatsy-brand);border-radius:12px;background:#eef2ff;color:#1e1b4b;box-shadow:0 1px 2px rgba(17,24,39,.05);}',
    '.chatsy-handoff-title{margin:0 0 4px;font-size:14px;font-weight:650;color:#312e81;}',
    '.chatsy-msg.is-handoff .chatsy-bubble{max-width:none;padding:0;background:transparent;border:0;box-shadow:none;color:#1e1b4b;font-size:13.5px;text-align:left;}',
    '.chatsy-msg.is-handoff .chatsy-foot{display:flex;margin:6px 0 0;color:#3730a3;}',
    '#chatsy-queue[data-state="offline"]{background:#fef3c7;color:#78350f;border-bottom-color:#fde68a;}',
    '#chatsy-queue[data-state="offline"] #chatsy-cancel-wait{border-color:#d97706;color:#78350f;}',
    '#chatsy-queue[data-state="joined"]{background:#ecfdf5;color:#065f46;border-bottom-color:#a7f3d0;}',
    '.chatsy-avatar.is-agent{background:#fff;color:var(--chatsy-brand-dark);font-size:14px;font-weight:700;letter-spacing:.02em;}'
  ].join('\n');

  // The body as DOM nodes: lines starting with "- " or "• " become a list, URLs links.
  function bodyNodes(text) {
    var frag = document.createDocumentFragment();
    var lines = str(text).split('\n');
    var prose = [];
    var list = null;
    function flushProse() {
      if (!prose.length) return;
      appendLinked(frag, prose.join('\n'));
      prose = [];
    }
    for (var i = 0; i < lines.length; i++) {
      if (LIST_LINE.test(lines[i])) {
        flushProse();
        if (!list) { list = h('ul'); frag.appendChild(list); }
        var li = h('li');
        appendLinked(li, lines[i].replace(LIST_LINE, ''));
        list.appendChild(li);
      } else {
        // A block list ends the line before it: no empty line around it.
        if (list && !lines[i].trim() && !prose.length) continue;
        list = null;
        prose.push(lines[i]);
      }
    }
    if (list && prose.length && !prose[prose.length - 1].trim()) prose.pop();
    flushProse();
    return frag;
  }

  // Text with its http(s) URLs as links, everything else as text nodes.
  function appendLinked(parent, text) {
    var parts = linkParts(text);
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (!p.href) { parent.appendChild(document.createTextNode(p.text)); continue; }
      parent.appendChild(h('a', { href: p.href, target: '_blank', rel: 'noopener noreferrer', text: p.text }));
    }
  }

  // [{text}, {text, href}, …]: only http: and https: URLs get an href; trailing punctuation
  // (a full stop, a closing bracket without its opening one) stays outside the link.
  function linkParts(text) {
    var out = [];
    var last = 0;
    var m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text))) {
      var raw = trimUrl(m[0]);
      var href = safeHref(raw);
      if (!href) continue;
      if (m.index > last) out.push({ text: text.slice(last, m.index) });
      out.push({ text: raw, href: href });
      last = m.index + raw.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) out.push({ text: text.slice(last) });
    return out;
  }

  function trimUrl(u) {
    for (;;) {
      var c = u.charAt(u.length - 1);
      var open = { ')': '(', ']': '[', '}': '{' }[c];
      if (open && u.split(open).length >= u.split(c).length) return u; // balanced: keep it
      if (!open && '.,;:!?\'\u2019\u201d*'.indexOf(c) < 0) return u;
      u = u.slice(0, -1);
    }
  }

  function safeHref(raw) {
    try {
      var url = new URL(raw);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url.href : '';
    } catch (e) {
      return '';
    }
  }

  function teamName() {
    return str(S.team).trim() || UX_COPY.team;
  }

  function capitalised(s) {
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // The handoff message as a card: a title naming the team, the message, its time.
  function handoffCard(li, m) {
    var meta = m.meta && typeof m.meta === 'object' ? m.meta : {};
    if (meta.event !== 'handoff') return;
    li.classList.add('is-handoff');
    var team = str(meta.team).trim() || UX_COPY.team;
    var card = h('div', { class: 'chatsy-handoff', role: 'status', 'aria-live': 'polite' }, [
      h('p', { class: 'chatsy-handoff-title', text: UX_COPY.connecting(team) })
    ]);
    var kids = Array.prototype.slice.call(li.children);
    for (var i = 0; i < kids.length; i++) card.appendChild(kids[i]);
    li.appendChild(card);
  }

  // What the waiting banner shows: exactly one state, from the status and the last frames.
  function waitingView() {
    if (S.status === 'queued') {
      if (S.waitOffline === 'closed') return { state: 'offline', text: UX_COPY.closedLine(teamName(), S.teamBack) };
      if (S.waitOffline) return { state: 'offline', text: UX_COPY.nobodyLine(teamName()) };
      return { state: 'position', text: S.queueText || UX_COPY.waitingLine };
    }
    if (S.status === 'assigned' && S.joined) {
      return { state: 'joined', text: UX_COPY.joinedLine(S.agentName || COPY.agent) };
    }
    if (S.status === 'assigned') return { state: 'joining', text: COPY.agentComing };
    return { state: '', text: '' };
  }

  function renderWaiting() {
    var view = waitingView();
    ui.queueLine.hidden = !view.state;
    ui.queueLine.setAttribute('data-state', view.state);
    if (ui.queueText.textContent !== view.text) ui.queueText.textContent = view.text;
    ui.cancelWait.hidden = S.status !== 'queued';
    renderHeader();
  }

  // The place-in-line text, and whether anyone is there (no estimate: nobody is online).
  function waitingQueueFrame(f) {
    S.queueText = f.text;
    if (Object.prototype.hasOwnProperty.call(f, 'wait_minutes')) {
      if (f.wait_minutes === null && S.waitOffline !== 'closed') S.waitOffline = 'nobody';
      else if (f.wait_minutes !== null) S.waitOffline = '';
    }
  }

  // An `alternatives` frame says whether the team is closed or nobody is there, and when back.
  function waitingAlternatives(f) {
    if (S.status !== 'queued') return;
    if (f.reason === 'closed' || f.reason === 'nobody') {
      S.waitOffline = f.reason;
      S.teamBack = str(f.back);
    }
    renderWaiting();
  }

  function renderHeader() {
    if (!ui.avatar) return;
    var agent = S.status === 'assigned' && S.joined ? str(S.agentName).trim() : '';
    var title = agent || siteName();
    var sub;
    if (agent) {
      sub = capitalised(teamName()) + ' \u00b7 ' + UX_COPY.online;
    } else if (S.status === 'queued' || S.status === 'assigned') {
      sub = capitalised(teamName()) + ' \u00b7 ' + (S.waitOffline
        ? UX_COPY.offline + (S.teamBack && S.waitOffline === 'closed' ? ' \u00b7 ' + UX_COPY.back(S.teamBack) : '')
        : UX_COPY.online);
    } else {
      sub = UX_COPY.withBot(botLabel());
    }
    if (ui.title.textContent !== title) ui.title.textContent = title;
    if (ui.subtitle.textContent !== sub) ui.subtitle.textContent = sub;
    var mark = agent ? initials(agent) : '';
    if (ui.avatar.getAttribute('data-initials') === mark) return;
    ui.avatar.setAttribute('data-initials', mark);
    ui.avatar.classList.toggle('is-agent', !!mark);
    while (ui.avatar.firstChild) ui.avatar.removeChild(ui.avatar.firstChild);
    ui.avatar.appendChild(mark ? document.createTextNode(mark) : icon('chat', 20));
  }

  function initials(name) {
    var words = name.split(/\s+/).filter(Boolean);
    var first = words.length ? Array.from(words[0])[0] : '';
    var second = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
    return (first + second).toUpperCase();
  }

  // The bot's name as the header shows it, so "<name> is typing…" names the same assistant.
  function botLabel() {
    return str(S.site && S.site.bot_name).trim() || COPY.bot;
  }

  // The visitor's message was accepted and the bot owns the chat: "<bot name> is typing…"
  // until its first token or its answer (or anything else that ends the turn) arrives.
  function botThinking(f) {
    if (f.duplicate === true || S.status !== 'bot') return;
    onTyping({ sender: 'bot', active: true, name: botLabel() });
  }
  // ------------------------------------------------------------ end of issue 14 UX --

  // -------------------------------------------------------------------- state --
  var S = {
    open: false,
    ws: null,
    ready: false, // authenticated on the current socket
    everReady: false,
    fetching: false,
    failures: 0,
    fatal: false,
    suspended: false,
    token: local.get(K_TOKEN),
    identity: identityFromScript(), // the host site's signed user (identity section below)
    wsPath: sanitizePath(local.get(K_WS_PATH)),
    site: readJSON(local, K_SITE) || {},
    convId: null,
    status: '',
    lastSeq: 0,          // every seq up to here is rendered: resync asks for what follows
    topSeq: 0,           // the highest seq rendered (may lie past a gap)
    serverSeq: 0,        // the highest seq a `seq` frame said the conversation holds
    initialLoaded: false,
    awaitingHistory: false,
    resyncAgain: false,  // a resync hint came while a resync was in flight
    historyFrom: 0,      // the after_seq of the resync in flight
    attempt: 0,
    readyAt: 0,
    authFailed: false,
    authRetried: false,
    unread: 0,
    seenSeq: 0,
    acted: {},
    typingActive: false,
    stuck: true,
    typingSentAt: 0,
    joined: false,       // the assigned agent's "joined" message came (issue 14 section)
    agentName: '',       // who joined
    team: '',            // the team of the latest handoff ("billing team")
    queueText: '',       // the latest place in line
    waitOffline: '',     // '', 'closed' or 'nobody': while queued, nobody can join now
    teamBack: ''         // when the team is back, in the visitor's zone
  };
  var timers = {};
  var bySeq = {};        // seq -> <li>
  var streams = {}; // stream_id -> temporary bubble of an answer being streamed
  var pending = {};      // client_id -> {id, body, created, state, error, el}
  var pendingOrder = []; // client_ids, oldest first
  var typers = {};       // 'bot' | 'agent' -> {name, timer}
  var ui = {};

  function sanitizePath(p) {
    return typeof p === 'string' && /^\/[^\s]*$/.test(p) && p.indexOf('//') !== 0 ? p : DEFAULT_WS_PATH;
  }

  function clearTimer(name) {
    if (timers[name]) {
      clearTimeout(timers[name]);
      clearInterval(timers[name]);
      timers[name] = null;
    }
  }

  // --------------------------------------------------------------------- build --
  function build() {
    var host = document.createElement('div');
    host.id = HOST_ID;
    var shadow;
    try {
      shadow = host.attachShadow({ mode: 'open' });
    } catch (e) {
      warn('this browser does not support Shadow DOM; the chat widget is disabled.');
      return false;
    }
    ui.host = host;
    ui.shadow = shadow;

    var styled = false;
    try {
      if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
        styled = true;
      }
    } catch (e) { styled = false; }
    if (!styled) shadow.appendChild(h('style', { text: CSS }));

    var root = h('div', { class: 'chatsy-root', lang: 'en', dir: 'ltr' });
    ui.root = root;

    // Header
    ui.transcript = buildTranscript(); // its form, and the header's mail button
    ui.title = h('h2', { id: 'chatsy-title', text: siteName() });
    ui.closeBtn = h('button', {
      id: 'chatsy-close', type: 'button', class: 'chatsy-icon-btn',
      'aria-label': COPY.minimize, title: 'Minimize'
    }, [icon('down', 22)]);
    var header = h('div', { class: 'chatsy-header' }, [
      ui.avatar = h('div', { class: 'chatsy-avatar', 'aria-hidden': 'true' }, [icon('chat', 20)]),
      h('div', { class: 'chatsy-heading' }, [ui.title, ui.subtitle = h('p', { class: 'chatsy-subtitle', text: COPY.subtitle })]),
      ui.transcriptBtn, // transcript by email: built with ui.transcript below
      ui.closeBtn
    ]);

    ui.banner = h('div', { id: 'chatsy-banner', role: 'status', hidden: true }, [
      h('span', { class: 'chatsy-spinner', 'aria-hidden': 'true' }),
      h('span', { class: 'chatsy-banner-text' })
    ]);
    ui.bannerText = ui.banner.lastChild;

    ui.noticeText = h('span', { class: 'chatsy-notice-text' });
    ui.noticeClose = h('button', {
      type: 'button', class: 'chatsy-icon-btn', 'aria-label': COPY.dismiss, title: COPY.dismiss
    }, [icon('close', 16)]);
    ui.notice = h('div', { id: 'chatsy-notice', role: 'alert', hidden: true }, [ui.noticeText, ui.noticeClose]);

    // Conversation
    ui.loading = h('div', { id: 'chatsy-loading' }, [
      h('span', { class: 'chatsy-spinner', 'aria-hidden': 'true' }),
      h('span', { text: COPY.connecting })
    ]);
    ui.unavailable = h('div', { id: 'chatsy-unavailable', hidden: true, text: COPY.unavailable });
    ui.emptyText = h('p', { class: 'chatsy-empty-text' });
    ui.empty = h('div', { id: 'chatsy-empty', hidden: true }, [
      h('div', { class: 'chatsy-empty-icon', 'aria-hidden': 'true' }, [icon('chat', 26)]),
      ui.emptyText,
      h('p', { class: 'chatsy-empty-sub', text: COPY.emptySub })
    ]);
    // The log region wraps the list: a <ul> with role=log would orphan its <li>s (axe).
    ui.list = h('ul', { id: 'chatsy-messages', 'aria-label': COPY.log });
    ui.log = h('div', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': COPY.log }, [ui.list]);
    ui.typingText = h('span', { class: 'chatsy-typing-text' });
    ui.typing = h('div', { id: 'chatsy-typing', role: 'status', hidden: true }, [
      h('span', { class: 'chatsy-dots', 'aria-hidden': 'true' }, [h('span'), h('span'), h('span')]),
      ui.typingText
    ]);
    ui.csat = buildCsat();
    buildAlternatives(); // alternatives to waiting: ui.alt (in the log) and ui.altBar (its button)
    ui.scroll = h('div', { class: 'chatsy-scroll' }, [ui.loading, ui.unavailable, ui.empty, ui.log, ui.typing, ui.csat, ui.transcript, ui.alt]);
    ui.jump = h('button', { id: 'chatsy-jump', type: 'button', hidden: true }, [icon('arrowDown', 14), COPY.jump]);
    var body = h('div', { class: 'chatsy-body' }, [ui.scroll, ui.jump]);

    // Composer
    ui.input = h('textarea', {
      id: 'chatsy-input', rows: '1', placeholder: COPY.placeholder, 'aria-label': COPY.inputLabel,
      'aria-describedby': 'chatsy-hint chatsy-counter', autocomplete: 'off', enterkeyhint: 'send'
    });
    ui.send = h('button', {
      id: 'chatsy-send', type: 'button', class: 'is-empty', 'aria-label': COPY.send, title: 'Send'
    }, [icon('send', 19)]);
    ui.hint = h('div', { id: 'chatsy-hint', 'aria-live': 'polite' });
    ui.counter = h('div', { id: 'chatsy-counter', hidden: true });
    // Place in line and wait estimate while a person is on the way.
    ui.queueLine = buildWaiting();
    var composer = h('div', { class: 'chatsy-composer' }, [
      h('div', { class: 'chatsy-compose-row' }, [ui.input, ui.send]),
      h('div', { class: 'chatsy-compose-meta' }, [ui.hint, ui.counter])
    ]);

    ui.panel = h('div', {
      id: 'chatsy-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'chatsy-title', hidden: true
    }, [header, ui.banner, ui.queueLine, ui.altBar, ui.notice, body, composer]);

    ui.unreadBadge = h('span', { id: 'chatsy-unread', 'aria-hidden': 'true', hidden: true });
    ui.launcherIcon = icon('chat', 26);
    ui.launcher = h('button', {
      id: 'chatsy-launcher', type: 'button', 'aria-label': COPY.open, 'aria-expanded': 'false',
      'aria-controls': 'chatsy-panel'
    }, [ui.launcherIcon, ui.unreadBadge]);

    // Announces new messages while the panel (and with it the log) is closed.
    ui.announcer = h('div', { class: 'chatsy-sr', role: 'status', 'aria-live': 'polite' });

    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);
    root.appendChild(ui.announcer);
    shadow.appendChild(root);
    document.body.appendChild(host);

    wire();
    return true;
  }

  function wire() {
    ui.launcher.addEventListener('click', function () {
      if (S.open) setOpen(false, { returnFocus: true });
      else setOpen(true, { focus: true });
    });
    ui.closeBtn.addEventListener('click', function () { setOpen(false, { returnFocus: true }); });
    ui.noticeClose.addEventListener('click', function () {
      hideNotice();
      focusInput();
    });
    ui.jump.addEventListener('click', function () {
      scrollToBottom();
      ui.jump.hidden = true;
    });
    ui.scroll.addEventListener('scroll', function () {
      S.stuck = atBottom();
      if (S.stuck && !ui.jump.hidden) ui.jump.hidden = true;
    }, { passive: true });
    // Content or panel size changes (a notice, an error line, the keyboard on phones):
    // stay pinned to the newest message unless the visitor scrolled up to read.
    if (typeof window.ResizeObserver === 'function') {
      var ro = new window.ResizeObserver(function () {
        if (S.open && S.stuck) scrollToBottom();
      });
      ro.observe(ui.list);
      ro.observe(ui.scroll);
      ro.observe(ui.typing);
    }

    ui.shadow.addEventListener('keydown', function (e) {
      if ((e.key === 'Escape' || e.key === 'Esc') && S.open && !e.isComposing) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false, { returnFocus: true });
      }
    });

    ui.input.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' || e.shiftKey || e.altKey) return;
      if (e.isComposing || e.keyCode === 229) return; // IME is still composing
      e.preventDefault();
      submit();
    });
    ui.input.addEventListener('input', onComposerInput);
    ui.send.addEventListener('click', function () {
      submit();
      focusInput();
    });

    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') wake();
    });
    window.addEventListener('online', wake);
    window.addEventListener('offline', function () { if (S.ready) probe(); });
    window.addEventListener('pagehide', function () {
      S.suspended = true;
      clearTimer('reconnect');
      var ws = S.ws;
      if (ws) {
        goneSocket(ws);
        try { ws.close(1000, 'page hidden'); } catch (e) { /* ignore */ }
      }
    });
    window.addEventListener('pageshow', function (e) {
      if (S.suspended || (e && e.persisted)) {
        S.suspended = false;
        wake();
      }
    });
  }

  // -------------------------------------------------------------- open / close --
  function setOpen(open, opts) {
    opts = opts || {};
    if (!ui.panel) {
      session.set(K_OPEN, open ? '1' : '0'); // not mounted yet: boot() picks this up
      return;
    }
    if (S.open === open) {
      if (open && opts.focus) focusInput();
      return;
    }
    S.open = open;
    session.set(K_OPEN, open ? '1' : '0');
    ui.panel.hidden = !open;
    ui.root.classList.toggle('is-open', open);
    ui.launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    ui.launcher.setAttribute('aria-label', open ? COPY.close : COPY.open);
    var next = icon(open ? 'close' : 'chat', open ? 24 : 26);
    ui.launcher.replaceChild(next, ui.launcherIcon);
    ui.launcherIcon = next;
    if (open) {
      markSeen();
      scrollToBottom();
      if (opts.focus) focusInput();
      if (!S.ws && !S.fetching && !S.fatal) wake();
    } else {
      stopTyping();
      if (opts.returnFocus) {
        try { ui.launcher.focus({ preventScroll: true }); } catch (e) { ui.launcher.focus(); }
      }
    }
  }

  function focusInput() {
    if (!S.open || ui.input.disabled) return;
    try { ui.input.focus({ preventScroll: true }); } catch (e) { ui.input.focus(); }
  }

  // ------------------------------------------------------------------ header --
  function siteName() {
    return str(S.site && S.site.name).trim() || 'Chat';
  }

  function setSite(site) {
    if (!site || typeof site !== 'object') return;
    var botName = str(site.bot_name) || str(S.site && S.site.bot_name);
    S.site = { name: str(site.name), greeting: str(site.greeting), bot_name: botName };
    local.set(K_SITE, JSON.stringify(S.site));
    ui.title.textContent = siteName();
    renderHeader();
    ui.emptyText.textContent = str(S.site.greeting).trim() || DEFAULT_GREETING;
  }

  // ---------------------------------------------------------------- connection --
  function start() {
    if (S.fatal || S.suspended || S.ws || S.fetching) return;
    // A visitor (and its token) is created on first open, not on every page view.
    if (!S.token && !S.open) return;
    if (!S.token || identityStale()) fetchToken();
    else openSocket();
  }

  function wake() {
    if (S.fatal || S.suspended) return;
    if (S.ready) { probe(); return; }
    if (S.ws || S.fetching) return;
    clearTimer('reconnect');
    S.attempt = 0;
    start();
  }

  function fetchToken() {
    S.fetching = true;
    var done = false;
    function finish() { done = true; S.fetching = false; }
    var req;
    var identitySent = identityKey();
    try {
      req = window.fetch(serverOrigin + '/api/widget/session', {
        method: 'POST',
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(sessionRequest())
      });
    } catch (e) {
      finish();
      connectionFailed();
      return;
    }
    req.then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (done) return;
        finish();
        if (res.ok && body && typeof body.token === 'string' && body.token) {
          setToken(body.token);
          identityIssued(identitySent);
          if (identityStale()) { resession(); return; } // identify() came while we asked
          if (body.ws_path) {
            S.wsPath = sanitizePath(body.ws_path);
            local.set(K_WS_PATH, S.wsPath);
          }
          setSite(body.site);
          openSocket();
        } else if (res.status === 400 || res.status === 403 || res.status === 404) {
          var err = body && body.error;
          warn('could not start a chat session (' + res.status + (err && err.code ? ' ' + err.code : '') + ')' +
            (err && err.message ? ': ' + err.message : ''));
          fatal();
        } else {
          connectionFailed();
        }
      });
    }).catch(function () {
      if (done) return;
      finish();
      connectionFailed();
    });
  }

  function setToken(token) {
    S.token = token;
    local.set(K_TOKEN, token);
  }

  function dropToken() {
    S.token = null;
    local.remove(K_TOKEN);
    local.remove(K_IDENT);
  }

  function openSocket() {
    clearTimer('reconnect');
    if (S.ws || S.fatal || S.suspended) return;
    var ws;
    try {
      ws = new WebSocket(wsOrigin + S.wsPath);
    } catch (e) {
      connectionFailed();
      return;
    }
    S.ws = ws;
    S.ready = false;
    S.authFailed = false;
    timers.connect = setTimeout(function () { dropSocket(ws); }, CONNECT_TIMEOUT_MS);
    ws.onopen = function () {
      if (S.ws !== ws) return;
      rawSend({ type: 'auth', token: S.token, site_key: siteKey, time_zone: visitorTimeZone() });
    };
    ws.onmessage = function (ev) {
      if (S.ws !== ws) return;
      onFrame(ev.data);
    };
    ws.onclose = function (ev) {
      if (S.ws !== ws) return;
      socketClosed(ws, ev && ev.code);
    };
    ws.onerror = function () { /* a close event follows */ };
  }

  // Forget a socket without reacting to its close.
  function goneSocket(ws) {
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (S.ws === ws) S.ws = null;
    S.ready = false;
    clearTimer('connect');
    clearTimer('ping');
    clearTimer('pong');
    clearTimer('history');
    clearTimer('gap');
    S.awaitingHistory = false;
    S.resyncAgain = false;
    S.typingActive = false;
    clearTimer('typingIdle');
    clearRemoteTyping();
  }

  // The socket looks dead (no pong, no ready): close it and reconnect.
  function dropSocket(ws) {
    if (!ws || S.ws !== ws) return;
    try { ws.close(4000, 'timeout'); } catch (e) { /* ignore */ }
    socketClosed(ws);
  }

  function socketClosed(ws, code) {
    var wasReady = S.ready;
    // 4401 means the server refused our auth, even if its error frame got lost (1008 is what
    // servers before the 44xx codes sent).
    var authFailed = S.authFailed || code === CLOSE_AUTH_FAILED || (code === 1008 && !wasReady);
    goneSocket(ws);
    S.authFailed = false;
    if (wasReady && Date.now() - S.readyAt > STABLE_CONNECTION_MS) S.attempt = 0;
    if (code === CLOSE_RESYNC && !S.fatal && !S.suspended) {
      // The server asked for a fresh socket and a resync: no backoff.
      S.attempt = 0;
      render();
      start();
      return;
    }
    if (S.fatal || S.suspended) { render(); return; }
    if (code === CLOSE_POLICY || code === CLOSE_UNSUPPORTED) {
      // Terminal: this page's widget broke the protocol, and would again after a reconnect.
      warn('the server closed the chat (' + code + '); not reconnecting.');
      fatal();
      return;
    }
    if (code === CLOSE_OVER_BUDGET) S.attempt = 16; // the backoff's ceiling, jittered
    if (authFailed) {
      if (!S.authRetried) {
        // The stored token is no good: get a new one, once, and retry straight away.
        S.authRetried = true;
        dropToken();
        resetConversation();
        render();
        fetchToken();
        return;
      }
      dropToken();
      warn('the server refused a fresh token too; giving up.');
      fatal();
      return;
    }
    connectionFailed();
  }

  function connectionFailed() {
    S.failures++;
    render();
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (timers.reconnect || S.fatal || S.suspended) return;
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, S.attempt));
    S.attempt = Math.min(S.attempt + 1, 16);
    var delay = base * (1 - BACKOFF_JITTER + Math.random() * 2 * BACKOFF_JITTER);
    timers.reconnect = setTimeout(function () {
      timers.reconnect = null;
      start();
    }, delay);
  }

  function fatal() {
    S.fatal = true;
    clearTimer('reconnect');
    if (S.ws) {
      var ws = S.ws;
      goneSocket(ws);
      try { ws.close(1000); } catch (e) { /* ignore */ }
    }
    render();
  }

  function rawSend(obj) {
    var ws = S.ws;
    if (!ws || ws.readyState !== 1) return false;
    try {
      ws.send(JSON.stringify(obj));
      return true;
    } catch (e) {
      return false;
    }
  }

  // Ask the server for a pong; reconnect if none comes.
  function probe() {
    if (!S.ready || timers.pong) return;
    if (!rawSend({ type: 'ping' })) return;
    var ws = S.ws;
    timers.pong = setTimeout(function () {
      timers.pong = null;
      dropSocket(ws);
    }, PONG_TIMEOUT_MS);
  }

  // ---------------------------------------------------------------- frames in --
  function onFrame(data) {
    if (typeof data !== 'string') return;
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (!f || typeof f !== 'object') return;
    clearTimer('pong'); // any frame shows the socket is alive
    switch (f.type) {
      case 'ready': onReady(f); break;
      case 'ack': onAck(f); break;
      case 'message': if (f.message && typeof f.message === 'object') onMessage(f.message, false); break;
      case 'history': onHistory(f); break;
      case 'resync': requestResync(); break;
      case 'typing': onTyping(f); break;
      case 'status': onStatus(f); break;
      case 'queue': onQueue(f); break;
      case 'stream': onStream(f); break;
      case 'stream_end': endStream(str(f.stream_id)); break;
      case 'csat_request': onCsatRequest(f); break;
      case 'csat_thanks': onCsatThanks(f); break;
      case 'alternatives': onAlternatives(f); break;
      case 'ticket_created': onTicketCreated(f); break;
      case 'transcript_queued': onTranscriptQueued(f); break;
      case 'error': onError(f); break;
      case 'seq': onSeq(f); break;
      default: break; // pong and anything newer
    }
  }

  function onReady(f) {
    clearTimer('connect');
    S.ready = true;
    S.everReady = true;
    S.readyAt = Date.now();
    S.authRetried = false;
    S.failures = 0;
    var conv = f.conversation && typeof f.conversation === 'object' ? f.conversation : {};
    var convId = conv.id != null ? str(conv.id) : null;
    if (convId && S.convId && convId !== S.convId) resetConversation();
    if (convId && convId !== S.convId) {
      S.convId = convId;
      loadConversationPrefs();
    }
    if (typeof conv.status === 'string') S.status = conv.status;
    altStatus();
    if (f.site) setSite(f.site);
    onReadyQueue(f);

    S.awaitingHistory = false;
    requestResync();
    transcriptOnReady();

    var ws = S.ws;
    clearTimer('ping');
    timers.ping = setInterval(function () {
      if (S.ws !== ws || !S.ready) return;
      probe();
    }, PING_MS);
    render();
  }

  // Ask for every message after the last one we hold without a gap. One at a time: a request
  // made while another is in flight (a server hint, a gap) is sent when the answer arrives.
  function requestResync() {
    if (!S.ready) return; // onReady resyncs anyway
    if (S.awaitingHistory) { S.resyncAgain = true; return; }
    clearTimer('gap');
    if (!rawSend({ type: 'resync', after_seq: S.lastSeq })) return;
    S.awaitingHistory = true;
    S.historyFrom = S.lastSeq;
    clearTimer('history');
    timers.history = setTimeout(function () {
      timers.history = null;
      if (S.awaitingHistory) {
        S.awaitingHistory = false;
        flushPending();
        if (S.resyncAgain) { S.resyncAgain = false; requestResync(); }
      }
    }, HISTORY_WAIT_MS);
  }

  // Move lastSeq over every seq rendered right after it.
  function advanceSeq() {
    while (bySeq[S.lastSeq + 1]) S.lastSeq++;
    if (S.lastSeq > S.topSeq) S.topSeq = S.lastSeq;
  }

  function onHistory(f) {
    var msgs = Array.isArray(f.messages) ? f.messages.slice() : [];
    msgs = msgs.filter(function (m) { return m && typeof m === 'object' && toSeq(m.seq) !== null; });
    msgs.sort(function (a, b) { return toSeq(a.seq) - toSeq(b.seq); });
    var first = !S.initialLoaded;
    var stick = first || isNearBottom();
    for (var i = 0; i < msgs.length; i++) onMessage(msgs[i], true);
    // The server sent everything up to last_seq: a seq it skipped does not exist.
    var upTo = toSeq(f.last_seq);
    if (upTo !== null && upTo > S.lastSeq) S.lastSeq = upTo;
    advanceSeq();
    // One page of many: ask for the next while the server says more follow and this page
    // moved us on (one that did not is taken as the last: no loop). Messages waiting to be
    // re-sent wait for the last page.
    if (f.has_more === true && S.lastSeq > S.historyFrom) {
      S.awaitingHistory = false;
      clearTimer('history');
      requestResync();
      render();
      if (stick) scrollToBottom();
      return;
    }
    S.initialLoaded = true;
    if (S.awaitingHistory) {
      S.awaitingHistory = false;
      clearTimer('history');
      flushPending();
    }
    if (S.resyncAgain) { S.resyncAgain = false; requestResync(); }
    render();
    if (stick) scrollToBottom();
  }

  function onMessage(m, fromHistory) {
    var seq = toSeq(m.seq);
    if (seq === null) return;
    // The stored answer replaces the bubble its tokens streamed into.
    if (m.meta && typeof m.meta === 'object' && m.meta.stream_id) endStream(str(m.meta.stream_id));
    var sender = normSender(m.sender);
    if (sender !== 'customer') clearRemoteTyping(sender === 'system' ? 'bot' : sender);
    waitingMessage(m, fromHistory);
    if (bySeq[seq]) return; // already rendered: de-duplicate
    var stick = isNearBottom();
    var cid = typeof m.client_id === 'string' ? m.client_id : null;
    var p = cid ? pending[cid] : null;
    var li;
    if (p) {
      // Our own message coming back: the echo settles it like an ack.
      li = p.el;
      forgetPending(cid);
      setTime(li, m.created);
      markSent(li);
    } else {
      li = renderMessage(m, sender);
    }
    li.setAttribute('data-seq', String(seq));
    bySeq[seq] = li;
    place(li, seq);
    if (seq > S.topSeq) S.topSeq = seq;
    advanceSeq();
    if (!fromHistory && seq > S.lastSeq + 1) watchGap();

    if (sender === 'bot' || sender === 'agent') {
      if (!S.open && seq > S.seenSeq) {
        S.unread++;
        if (!fromHistory) announce('New message from ' + labelFor(sender, m.sender_name));
      }
    }
    if (S.open) markSeen();
    if (!fromHistory) {
      render();
      if (stick || p) scrollToBottom();
      else if (S.open) ui.jump.hidden = false;
    }
  }

  function onAck(f) {
    botThinking(f);
    var cid = typeof f.client_id === 'string' ? f.client_id : null;
    var p = cid ? pending[cid] : null;
    if (!p) return;
    var seq = toSeq(f.seq);
    forgetPending(cid);
    if (seq === null) {
      markSent(p.el);
      return;
    }
    if (bySeq[seq] && bySeq[seq] !== p.el) {
      // Already on screen (history or the echo came first).
      if (p.el.parentNode) p.el.parentNode.removeChild(p.el);
    } else {
      markSent(p.el);
      p.el.setAttribute('data-seq', String(seq));
      bySeq[seq] = p.el;
      place(p.el, seq);
      // lastSeq only moves over seqs with nothing missing before them: an earlier message
      // may still be on its way, and resync must not skip it.
      if (seq > S.topSeq) S.topSeq = seq;
      advanceSeq();
      if (seq > S.lastSeq) watchGap();
    }
    render();
  }

  // A later message arrived before an earlier one, or the server said the conversation holds
  // more than we do: give what is missing a moment to arrive (broadcasts may overtake each other, or
  // still be on their way), then fetch it.
  function watchGap() {
    if (timers.gap) return;
    timers.gap = setTimeout(function () {
      timers.gap = null;
      if (Math.max(S.topSeq, S.serverSeq) > S.lastSeq) requestResync();
    }, GAP_WAIT_MS);
  }

  // The server's latest seq, after a pong when it holds messages this socket never brought: the
  // one way to find a lost broadcast with nothing after it.
  function onSeq(f) {
    if (typeof f.last_seq !== 'number' || f.last_seq <= S.lastSeq) return;
    if (f.last_seq > S.serverSeq) S.serverSeq = f.last_seq;
    watchGap();
  }

  function onTyping(f) {
    var sender = f.sender === 'agent' ? 'agent' : (f.sender === 'bot' ? 'bot' : null);
    if (!sender) return;
    if (f.active) {
      var stick = isNearBottom();
      if (typers[sender]) clearTimeout(typers[sender].timer);
      typers[sender] = {
        name: str(f.name).trim() || (sender === 'bot' ? COPY.bot : COPY.agent),
        timer: setTimeout(function () { clearRemoteTyping(sender); }, REMOTE_TYPING_MS)
      };
      renderTyping();
      if (stick) scrollToBottom();
    } else {
      clearRemoteTyping(sender);
    }
  }

  function onStatus(f) {
    var conv = f.conversation && typeof f.conversation === 'object' ? f.conversation : null;
    if (conv && typeof conv.status === 'string') S.status = conv.status;
    if (S.status !== 'resolved') resetCsat(); // a new chat, rated again after its next resolve
    if (S.status === 'resolved') offerTranscript();
    if (S.status !== 'bot') clearRemoteTyping('bot');
    waitingStatus();
    altStatus();
  }

  // A bot answer arriving token by token: a temporary bubble until the stored message lands.
  function onStream(f) {
    var id = str(f.stream_id);
    if (!id || typeof f.delta !== 'string') return;
    var li = streams[id];
    if (!li) {
      li = renderMessage({ sender: 'bot', sender_name: str(f.sender_name), body: '', created: new Date().toISOString() }, 'bot');
      li.classList.add('is-streaming');
      li.setAttribute('data-stream-id', id);
      li.setAttribute('aria-busy', 'true');
      streams[id] = li;
      clearRemoteTyping('bot');
      ui.list.appendChild(li);
      render();
    }
    var stick = isNearBottom();
    li.querySelector('.chatsy-bubble').textContent += f.delta;
    if (stick) scrollToBottom();
  }

  function endStream(id) {
    var li = streams[id];
    if (!li) return;
    delete streams[id];
    if (li.parentNode) li.parentNode.removeChild(li);
  }

  // ------------------------------------------------------------- rating (CSAT) --
  function buildCsat() {
    ui.csatTitle = h('p', { class: 'chatsy-csat-title', id: 'chatsy-csat-title', text: COPY.csatTitle });
    ui.stars = [];
    var row = h('div', { class: 'chatsy-stars', role: 'radiogroup', 'aria-labelledby': 'chatsy-csat-title' });
    for (var n = 1; n <= 5; n++) {
      var star = h('button', {
        type: 'button', class: 'chatsy-star', id: 'chatsy-csat-star-' + n, 'data-score': String(n),
        role: 'radio', 'aria-checked': 'false', 'aria-label': COPY.star(n), text: '\u2605'
      });
      star.addEventListener('click', onStarClick(n));
      ui.stars.push(star);
      row.appendChild(star);
    }
    ui.csatComment = h('textarea', {
      id: 'chatsy-csat-comment', rows: '2', maxlength: '1000', placeholder: COPY.csatComment,
      'aria-label': COPY.csatComment
    });
    ui.csatSubmit = h('button', { type: 'button', id: 'chatsy-csat-submit', disabled: true, text: COPY.csatSend });
    ui.csatSubmit.addEventListener('click', submitCsat);
    ui.csatThanks = h('p', { id: 'chatsy-csat-thanks', role: 'status', hidden: true });
    ui.csatForm = h('div', { class: 'chatsy-csat-form' }, [ui.csatTitle, row, ui.csatComment, ui.csatSubmit]);
    return h('div', { id: 'chatsy-csat', hidden: true }, [ui.csatForm, ui.csatThanks]);
  }

  function resetCsat() {
    S.csatDone = false;
    S.csatScore = 0;
    ui.csat.hidden = true;
    ui.csatComment.value = '';
    ui.csatSubmit.disabled = true;
    for (var i = 0; i < ui.stars.length; i++) {
      ui.stars[i].classList.remove('is-on');
      ui.stars[i].setAttribute('aria-checked', 'false');
    }
  }

  function onStarClick(n) {
    return function () {
      S.csatScore = n;
      for (var i = 0; i < ui.stars.length; i++) {
        ui.stars[i].classList.toggle('is-on', i < n);
        ui.stars[i].setAttribute('aria-checked', i === n - 1 ? 'true' : 'false');
      }
      ui.csatSubmit.disabled = false;
    };
  }

  function onCsatRequest(f) {
    if (S.csatDone) return;
    ui.csatTitle.textContent = str(f.text).trim() || COPY.csatTitle;
    ui.csatForm.hidden = false;
    ui.csatThanks.hidden = true;
    ui.csat.hidden = false;
    offerTranscript();
    if (S.open && isNearBottom()) scrollToBottom();
  }

  function submitCsat() {
    if (!S.csatScore) return;
    if (!rawSend({ type: 'csat', score: S.csatScore, comment: ui.csatComment.value.trim().slice(0, 1000) })) {
      showNotice(COPY.offlineAction);
      return;
    }
    ui.csatSubmit.disabled = true;
  }

  function onCsatThanks(f) {
    S.csatDone = true;
    ui.csatForm.hidden = true;
    ui.csatThanks.textContent = str(f.text).trim() || COPY.csatThanks;
    ui.csatThanks.hidden = false;
    ui.csat.hidden = false;
  }

  function onQueue(f) {
    // Only while waiting in line: a late frame after a cancel, a ticket or the agent's arrival
    // must not bring the line back.
    if (typeof f.text !== 'string' || S.status !== 'queued') return;
    waitingQueueFrame(f);
    renderWaiting();
  }

  // ------------------------------------------------ waiting for a person (issue 13) --
  // The place in line also comes in the `ready` frame, so a reload shows it at once; the
  // visitor can cancel the request (`cancel_wait`) and go back to the bot. Once assigned, the
  // line stays until the agent's "joined" message (meta.event), posted when their console
  // shows the chat.
  function buildWaiting() {
    // The live region is the text alone, so a screen reader announces the new place in line
    // without reading the button's label each time.
    ui.queueText = h('span', { id: 'chatsy-queue-text', role: 'status' });
    ui.cancelWait = h('button', { id: 'chatsy-cancel-wait', type: 'button', hidden: true }, [COPY.cancelWait]);
    ui.cancelWait.addEventListener('click', function () {
      if (S.status !== 'queued') return;
      if (rawSend({ type: 'cancel_wait' })) ui.cancelWait.disabled = true;
    });
    return h('div', { id: 'chatsy-queue', hidden: true }, [ui.queueText, ui.cancelWait]);
  }

  function waitingStatus() {
    if (S.status === 'queued') {
      S.joined = false;
      ui.cancelWait.disabled = false;
    } else {
      S.queueText = '';
      S.waitOffline = '';
      S.teamBack = '';
    }
    renderWaiting();
  }

  function onReadyQueue(f) {
    if (S.status === 'queued' && f.queue && typeof f.queue === 'object') onQueue(f.queue);
    else waitingStatus();
  }

  function waitingMessage(m, fromHistory) {
    if (!m.meta || typeof m.meta !== 'object') return;
    if (m.meta.event === 'handoff' && str(m.meta.team).trim()) { S.team = str(m.meta.team); renderHeader(); }
    if (m.meta.event === 'handoff' && !fromHistory) announce(UX_COPY.connecting(teamName()));
    if (m.meta.event !== 'agent_joined') return;
    // A "joined" replayed while waiting again (after a transfer) belongs to an earlier agent.
    if (fromHistory && S.status !== 'assigned') return;
    S.joined = true;
    S.agentName = str(m.meta.agent).trim() || str(m.sender_name).trim();
    renderWaiting();
  }

  function onError(f) {
    if (altError(f)) return;
    var code = str(f.code);
    var message = str(f.message);
    var cid = typeof f.client_id === 'string' ? f.client_id : null;
    if (onTranscriptError(code, message, cid)) return;
    if (cid && pending[cid]) {
      markFailed(pending[cid], ERROR_COPY[code] || message || ERROR_COPY.invalid_frame);
      return;
    }
    if (code === 'auth_failed') {
      S.authFailed = true; // handled when the server closes the socket
      var ws = S.ws;
      // Should the server not close the socket itself, do it for it.
      setTimeout(function () {
        if (S.ws !== ws || !S.authFailed) return;
        try { ws.close(); } catch (e) { /* ignore */ }
        socketClosed(ws);
      }, 2000);
      return;
    }
    if (code === 'auth_required') return; // the socket closes and we reconnect
    if (code === 'csat_not_available') { ui.csat.hidden = true; return; }
    showNotice(ERROR_COPY[code] || message || 'Something went wrong. Please try again.');
  }

  // ---------------------------------------------- alternatives to waiting (tickets) --
  // The server offers these (an `alternatives` frame) when the queue is closed, nobody is
  // available, the wait is long or past its maximum, and when the visitor presses "Other ways
  // to reach us". Each option is a small form; a `ticket` frame carries it with a request_id
  // reused on retry, so the server stores one ticket however often it is sent.
  var ALT_COPY = {
    button: 'Other ways to reach us',
    title: 'Other ways to reach us',
    back: 'Back',
    send: 'Send',
    sending: 'Sending\u2026',
    name: 'Your name (optional)',
    email: 'Email',
    emailOptional: 'Email (optional)',
    phone: 'Phone number',
    phoneOptional: 'Phone (optional)',
    window: 'When should we call? (your time)',
    slot: 'Choose a time (your time)',
    details: 'Your message',
    detailsOptional: 'Anything to add for the team? (optional)',
    required: 'Please fill this in.',
    badEmail: 'That doesn\u2019t look like an email address (name@example.com).',
    notWaiting: 'This chat is no longer waiting for our team.'
  };
  var ALT_FIELDS = {
    after_hours: [['email', true], ['name', false], ['phone', false], ['details', false]],
    callback: [['phone', true], ['window', true], ['name', false]],
    email: [['email', true], ['name', false], ['details', false]],
    scheduled_call: [['slot', true], ['phone', true], ['name', false]],
    message: [['email', true], ['details', true], ['name', false]]
  };

  function visitorTimeZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { return ''; }
  }

  function buildAlternatives() {
    S.alt = null;       // the last `alternatives` frame
    S.altForm = null;   // { kind, requestId, fields: {name: input} } while a form is shown
    ui.altOpen = h('button', { type: 'button', id: 'chatsy-alt-open', text: ALT_COPY.button });
    ui.altOpen.addEventListener('click', requestAlternatives);
    ui.altBar = h('div', { id: 'chatsy-alt-bar', hidden: true }, [ui.altOpen]);
    ui.alt = h('section', { id: 'chatsy-alt', 'aria-labelledby': 'chatsy-alt-title', hidden: true });
  }

  function requestAlternatives() {
    if (!rawSend({ type: 'alternatives', time_zone: visitorTimeZone() })) showNotice(COPY.offlineAction);
  }

  function altStatus() {
    if (!ui.altBar) return;
    var waiting = S.status === 'queued';
    ui.altBar.hidden = !waiting;
    if (!waiting) { ui.alt.hidden = true; S.altForm = null; }
  }

  function altClear() {
    while (ui.alt.firstChild) ui.alt.removeChild(ui.alt.firstChild);
  }

  function onAlternatives(f) {
    if (!Array.isArray(f.options)) return;
    waitingAlternatives(f);
    if (S.altForm) return; // the visitor is filling a form in: don't pull it away
    S.alt = f;
    altClear();
    ui.alt.appendChild(h('h3', { id: 'chatsy-alt-title', text: ALT_COPY.title }));
    ui.alt.appendChild(h('p', { class: 'chatsy-alt-text', text: str(f.text) }));
    var list = h('ul', { class: 'chatsy-alt-options' });
    f.options.forEach(function (o) {
      if (!o || !ALT_FIELDS[o.kind]) return;
      var btn = h('button', { type: 'button', class: 'chatsy-alt-option', 'data-kind': o.kind, text: str(o.label) });
      btn.addEventListener('click', function () { showAltForm(o.kind, str(o.label)); });
      list.appendChild(h('li', null, [btn]));
    });
    ui.alt.appendChild(list);
    ui.alt.hidden = false;
    if (S.open) scrollToBottom();
    announce(str(f.text));
  }

  function altField(kind, name, required) {
    var id = 'chatsy-alt-' + name;
    var labelText = {
      name: ALT_COPY.name,
      email: required ? ALT_COPY.email : ALT_COPY.emailOptional,
      phone: required ? ALT_COPY.phone : ALT_COPY.phoneOptional,
      window: ALT_COPY.window,
      slot: ALT_COPY.slot,
      details: required ? ALT_COPY.details : ALT_COPY.detailsOptional
    }[name];
    var input;
    var common = { id: id, name: name, 'aria-describedby': id + '-err', required: required || null };
    if (name === 'window' || name === 'slot') {
      input = h('select', common);
      var choices = name === 'window' ? (S.alt.windows || []).map(function (w) { return [w.id, w.label]; })
        : (S.alt.slots || []).map(function (w) { return [w.value, w.label]; });
      input.appendChild(h('option', { value: '', text: '\u2014' }));
      choices.forEach(function (c) { input.appendChild(h('option', { value: str(c[0]), text: str(c[1]) })); });
    } else if (name === 'details') {
      input = h('textarea', Object.assign(common, { rows: '3', maxlength: '4000' }));
    } else {
      input = h('input', Object.assign(common, {
        type: name === 'email' ? 'email' : name === 'phone' ? 'tel' : 'text',
        autocomplete: name === 'email' ? 'email' : name === 'phone' ? 'tel' : 'name',
        maxlength: name === 'email' ? '254' : name === 'phone' ? '40' : '120'
      }));
    }
    var err = h('p', { id: id + '-err', class: 'chatsy-alt-err', hidden: true });
    return { input: input, err: err, required: required, row: h('div', { class: 'chatsy-alt-field' }, [
      h('label', { for: id, text: labelText }), input, err
    ]) };
  }

  function showAltForm(kind, label) {
    altClear();
    var fields = {};
    var form = h('form', { novalidate: true, 'data-kind': kind });
    form.appendChild(h('h3', { id: 'chatsy-alt-title', text: label }));
    if (kind === 'after_hours' && S.alt) form.appendChild(h('p', { class: 'chatsy-alt-text', text: str(S.alt.text) }));
    ALT_FIELDS[kind].forEach(function (spec) {
      var f = altField(kind, spec[0], spec[1]);
      fields[spec[0]] = f;
      form.appendChild(f.row);
    });
    var submitBtn = h('button', { type: 'submit', class: 'chatsy-alt-submit', text: ALT_COPY.send });
    var back = h('button', { type: 'button', class: 'chatsy-alt-back', text: ALT_COPY.back });
    form.appendChild(h('div', { class: 'chatsy-alt-actions' }, [submitBtn, back]));
    ui.altFormError = h('p', { class: 'chatsy-alt-err', role: 'alert', hidden: true });
    form.appendChild(ui.altFormError);
    S.altForm = { kind: kind, requestId: uuid(), fields: fields, submit: submitBtn };
    back.addEventListener('click', function () {
      S.altForm = null;
      if (S.alt) onAlternatives(S.alt);
      var first = ui.alt.querySelector('button');
      if (first) first.focus();
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); submitAltForm(); });
    ui.alt.appendChild(form);
    ui.alt.hidden = false;
    var firstInput = form.querySelector('input,select,textarea');
    if (firstInput) firstInput.focus();
    if (S.open) scrollToBottom();
  }

  function setFieldError(f, text) {
    f.err.textContent = text || '';
    f.err.hidden = !text;
    if (text) f.input.setAttribute('aria-invalid', 'true');
    else f.input.removeAttribute('aria-invalid');
  }

  function submitAltForm() {
    var form = S.altForm;
    if (!form || form.busy) return;
    var frame = { type: 'ticket', request_id: form.requestId, kind: form.kind, time_zone: visitorTimeZone() };
    var firstBad = null;
    Object.keys(form.fields).forEach(function (name) {
      var f = form.fields[name];
      var value = f.input.value.trim();
      var problem = '';
      if (f.required && !value) problem = ALT_COPY.required;
      else if (name === 'email' && value && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) problem = ALT_COPY.badEmail;
      setFieldError(f, problem);
      if (problem && !firstBad) firstBad = f.input;
      frame[name] = value;
    });
    ui.altFormError.hidden = true;
    if (firstBad) { firstBad.focus(); return; }
    if (!rawSend(frame)) { altFormFailed(COPY.offlineAction); return; }
    form.busy = true;
    form.submit.disabled = true;
    form.submit.textContent = ALT_COPY.sending;
    form.submit.setAttribute('aria-busy', 'true');
  }

  function altFormIdle() {
    var form = S.altForm;
    if (!form) return;
    form.busy = false;
    form.submit.disabled = false;
    form.submit.textContent = ALT_COPY.send;
    form.submit.removeAttribute('aria-busy');
  }

  function altFormFailed(text) {
    altFormIdle();
    ui.altFormError.textContent = text;
    ui.altFormError.hidden = false;
  }

  // Errors about alternatives and tickets: shown in the form, field by field. True if handled.
  function altError(f) {
    var code = str(f.code);
    if (code === 'alternatives_not_available') { showNotice(ALT_COPY.notWaiting); return true; }
    if (code !== 'ticket_invalid' && code !== 'ticket_not_available') return false;
    var form = S.altForm;
    if (!form || (f.request_id && f.request_id !== form.requestId)) return true;
    if (code === 'ticket_not_available') { altFormFailed(str(f.message) || ALT_COPY.notWaiting); return true; }
    altFormIdle();
    var fields = f.fields && typeof f.fields === 'object' ? f.fields : {};
    var firstBad = null;
    Object.keys(form.fields).forEach(function (name) {
      setFieldError(form.fields[name], str(fields[name] || ''));
      if (fields[name] && !firstBad) firstBad = form.fields[name].input;
    });
    if (firstBad) firstBad.focus();
    else altFormFailed(str(f.message));
    return true;
  }

  function onTicketCreated(f) {
    var form = S.altForm;
    if (form && f.request_id && f.request_id !== form.requestId) return;
    // The confirmation is also a system message in the log (for reloads and other tabs): the
    // form goes away and the visitor is back in the chat, where the bot keeps helping.
    S.altForm = null;
    altClear();
    ui.alt.hidden = true;
    ui.altBar.hidden = true;
    announce(str(f.text));
    if (S.open) focusInput();
  }

  function normSender(s) {
    return s === 'customer' || s === 'bot' || s === 'agent' || s === 'system' ? s : 'system';
  }

  function labelFor(sender, name) {
    name = str(name).trim();
    if (sender === 'bot') return name || COPY.bot;
    if (sender === 'agent') return name || COPY.agent;
    if (sender === 'customer') return COPY.you;
    return '';
  }

  // --------------------------------------------------------------- rendering --
  function renderMessage(m, sender) {
    var li = h('li', { class: 'chatsy-msg', 'data-sender': sender });
    var name = str(m.sender_name).trim();
    li.setAttribute('data-name', name);
    if (sender === 'bot' || sender === 'agent') {
      var label = h('div', { class: 'chatsy-label' });
      if (sender === 'agent') {
        label.appendChild(h('span', { class: 'chatsy-name', text: name || COPY.agent }));
      } else {
        if (name && name.toLowerCase() !== 'bot') label.appendChild(h('span', { class: 'chatsy-name', text: name }));
        label.appendChild(h('span', { class: 'chatsy-tag', text: COPY.bot }));
      }
      li.appendChild(label);
    } else if (sender === 'customer') {
      li.appendChild(h('span', { class: 'chatsy-sr', text: COPY.you + ': ' }));
    }
    li.appendChild(h('div', { class: 'chatsy-bubble' }, [bodyNodes(m.body)]));
    var foot = h('div', { class: 'chatsy-foot' }, [h('time', { class: 'chatsy-time' })]);
    li.appendChild(foot);
    setTime(li, m.created);
    if (sender === 'system') handoffCard(li, m);

    var actions = m.meta && typeof m.meta === 'object' && Array.isArray(m.meta.actions) ? m.meta.actions : null;
    var seq = toSeq(m.seq);
    if (actions && seq !== null) {
      var row = h('div', { class: 'chatsy-actions', role: 'group', 'aria-label': 'Quick replies' });
      var chosen = S.acted[seq];
      for (var i = 0; i < actions.length; i++) {
        var a = actions[i];
        if (!a || typeof a !== 'object') continue;
        var id = str(a.id);
        var text = str(a.label).trim() || id;
        if (!id) continue;
        var b = h('button', { type: 'button', class: 'chatsy-action', 'data-action': id, text: text });
        if (chosen !== undefined) {
          b.disabled = true;
          if (chosen === id) b.classList.add('is-chosen');
        }
        b.addEventListener('click', onActionClick(li, seq, id, b));
        row.appendChild(b);
      }
      if (row.firstChild) li.appendChild(row);
    }
    return li;
  }

  function onActionClick(li, seq, id, btn) {
    return function () {
      if (btn.disabled) return;
      if (!S.ready) {
        showNotice(COPY.offlineAction);
        return;
      }
      if (!rawSend({ type: 'action', action: id, seq: seq })) {
        showNotice(COPY.offlineAction);
        return;
      }
      var btns = li.querySelectorAll('.chatsy-action');
      for (var i = 0; i < btns.length; i++) btns[i].disabled = true;
      btn.classList.add('is-chosen');
      S.acted[seq] = id;
      saveActed();
      focusInput();
    };
  }

  function setTime(li, created) {
    var d = parseDate(created);
    var t = li.querySelector('.chatsy-time');
    if (!t) return;
    t.textContent = fmtTime(d);
    t.setAttribute('datetime', d.toISOString());
    t.setAttribute('title', fmtFull(d));
  }

  // Keep the list in seq order; unacked messages stay at the end.
  function place(li, seq) {
    var kids = ui.list.children;
    var after = null;
    for (var i = kids.length - 1; i >= 0; i--) {
      var k = kids[i];
      if (k === li) continue;
      var ks = k.getAttribute('data-seq');
      if (ks !== null && ks !== '' && Number(ks) < seq) { after = k; break; }
    }
    var ref = after ? after.nextSibling : ui.list.firstChild;
    if (ref !== li) ui.list.insertBefore(li, ref);
    regroup(li);
    regroup(li.nextElementSibling);
  }

  function regroup(li) {
    if (!li) return;
    var prev = li.previousElementSibling;
    var same = prev && li.getAttribute('data-sender') !== 'system' &&
      prev.getAttribute('data-sender') === li.getAttribute('data-sender') &&
      (prev.getAttribute('data-name') || '') === (li.getAttribute('data-name') || '');
    li.classList.toggle('is-continued', !!same);
  }

  // ------------------------------------------------------------ sending ---------
  function onComposerInput() {
    autosize();
    updateComposer();
    var value = ui.input.value;
    if (!value.trim()) {
      stopTyping();
      return;
    }
    if (!S.ready) return;
    var now = Date.now();
    if (!S.typingActive || now - S.typingSentAt >= TYPING_THROTTLE_MS) {
      if (rawSend({ type: 'typing', active: true })) {
        S.typingActive = true;
        S.typingSentAt = now;
      }
    }
    clearTimer('typingIdle');
    timers.typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimer('typingIdle');
    if (!S.typingActive) return;
    S.typingActive = false;
    if (S.ready) rawSend({ type: 'typing', active: false });
  }

  function autosize() {
    var el = ui.input;
    el.style.height = 'auto';
    el.style.height = Math.min(el.scrollHeight + 2, 132) + 'px';
  }

  function composerState() {
    var body = ui.input.value.trim();
    var n = charCount(body);
    return { body: body, n: n, over: n > MAX_CHARS };
  }

  function updateComposer() {
    var st = composerState();
    ui.counter.hidden = st.n < COUNTER_FROM;
    ui.counter.textContent = fmtNumber(st.n) + ' / ' + fmtNumber(MAX_CHARS);
    ui.counter.classList.toggle('is-over', st.over);
    ui.send.disabled = st.over || S.fatal;
    ui.send.classList.toggle('is-empty', st.n === 0);
    if (st.over) {
      ui.input.setAttribute('aria-invalid', 'true');
      if (ui.hint.textContent !== COPY.tooLong) ui.hint.textContent = COPY.tooLong;
    } else {
      ui.input.removeAttribute('aria-invalid');
      if (ui.hint.textContent) ui.hint.textContent = '';
    }
  }

  function submit() {
    if (S.fatal) return;
    var st = composerState();
    if (!st.n) return;
    if (st.over) {
      ui.hint.textContent = COPY.tooLong;
      return;
    }
    ui.input.value = '';
    autosize();
    updateComposer();
    stopTyping();
    var p = {
      id: uuid(),
      body: st.body,
      created: new Date().toISOString(),
      state: 'sending',
      error: ''
    };
    addPending(p);
    saveOutbox();
    render();
    scrollToBottom();
    if (S.ready && !S.awaitingHistory) sendPending(p);
    else if (!S.ws && !S.fetching) wake();
  }

  function addPending(p) {
    var li = renderMessage({ body: p.body, created: p.created, sender: 'customer' }, 'customer');
    li.setAttribute('data-client-id', p.id);
    li.classList.add('is-sending');
    li.querySelector('.chatsy-foot').appendChild(h('span', { class: 'chatsy-state', text: COPY.sending }));
    p.el = li;
    pending[p.id] = p;
    pendingOrder.push(p.id);
    ui.list.appendChild(li);
    regroup(li);
    if (p.state === 'failed') markFailed(p, p.error);
  }

  function sendPending(p) {
    var frame = JSON.stringify({ type: 'message', client_id: p.id, body: p.body });
    if (byteLength(frame) > MAX_FRAME_BYTES) {
      markFailed(p, ERROR_COPY.frame_too_large);
      return;
    }
    rawSend({ type: 'message', client_id: p.id, body: p.body });
  }

  function flushPending() {
    if (!S.ready) return;
    for (var i = 0; i < pendingOrder.length; i++) {
      var p = pending[pendingOrder[i]];
      if (p && p.state === 'sending') sendPending(p);
    }
  }

  function markSent(li) {
    li.classList.remove('is-sending', 'is-failed');
    var stale = li.querySelectorAll('.chatsy-state, .chatsy-retry, .chatsy-error');
    for (var i = 0; i < stale.length; i++) stale[i].parentNode.removeChild(stale[i]);
  }

  function markFailed(p, reason) {
    p.state = 'failed';
    p.error = reason || '';
    var li = p.el;
    markSent(li);
    li.classList.add('is-failed');
    var btn = h('button', { type: 'button', class: 'chatsy-retry', text: COPY.retry });
    btn.addEventListener('click', function () { retry(p); });
    li.querySelector('.chatsy-foot').appendChild(btn);
    if (p.error) li.appendChild(h('div', { class: 'chatsy-error', text: p.error }));
    saveOutbox();
  }

  function retry(p) {
    if (!pending[p.id]) return;
    p.state = 'sending';
    p.error = '';
    var li = p.el;
    markSent(li);
    li.classList.add('is-sending');
    li.querySelector('.chatsy-foot').appendChild(h('span', { class: 'chatsy-state', text: COPY.sending }));
    saveOutbox();
    if (S.ready && !S.awaitingHistory) sendPending(p);
    else wake();
    focusInput();
  }

  function forgetPending(cid) {
    delete pending[cid];
    var i = pendingOrder.indexOf(cid);
    if (i >= 0) pendingOrder.splice(i, 1);
    saveOutbox();
  }

  function saveOutbox() {
    var out = [];
    for (var i = 0; i < pendingOrder.length; i++) {
      var p = pending[pendingOrder[i]];
      if (p) out.push({ id: p.id, body: p.body, created: p.created, state: p.state, error: p.error });
    }
    if (out.length) session.set(K_OUTBOX, JSON.stringify(out));
    else session.remove(K_OUTBOX);
  }

  function loadOutbox() {
    var out = readJSON(session, K_OUTBOX);
    if (!Array.isArray(out)) return;
    for (var i = 0; i < out.length; i++) {
      var o = out[i];
      if (!o || typeof o.id !== 'string' || typeof o.body !== 'string' || pending[o.id]) continue;
      addPending({
        id: o.id, body: o.body, created: str(o.created) || new Date().toISOString(),
        state: o.state === 'failed' ? 'failed' : 'sending', error: str(o.error)
      });
    }
  }

  // ---------------------------------------------------- conversation bookkeeping --
  // A new token or a new conversation: seqs start over, so forget what was shown.
  function resetConversation() {
    var kids = Array.prototype.slice.call(ui.list.children);
    for (var i = 0; i < kids.length; i++) {
      if (kids[i].getAttribute('data-seq') !== null) ui.list.removeChild(kids[i]);
    }
    bySeq = {};
    S.lastSeq = 0;
    S.topSeq = 0;
    S.serverSeq = 0;
    S.convId = null;
    S.status = '';
    S.unread = 0;
    S.seenSeq = 0;
    S.acted = {};
    S.initialLoaded = false;
    S.joined = false;
    S.agentName = S.team = '';
    clearRemoteTyping();
    if (ui.csat) resetCsat();
    resetTranscript();
  }

  function loadConversationPrefs() {
    var seen = readJSON(local, K_SEEN);
    S.seenSeq = seen && seen.conv === S.convId && toSeq(seen.seq) !== null ? seen.seq : 0;
    var acted = readJSON(local, K_ACTED);
    S.acted = acted && acted.conv === S.convId && acted.map && typeof acted.map === 'object' ? acted.map : {};
    // Count what arrived while the panel was closed on earlier pages.
    if (!S.open) {
      S.unread = 0;
      for (var k in bySeq) {
        if (!Object.prototype.hasOwnProperty.call(bySeq, k)) continue;
        var snd = bySeq[k].getAttribute('data-sender');
        if ((snd === 'bot' || snd === 'agent') && Number(k) > S.seenSeq) S.unread++;
      }
    }
  }

  function markSeen() {
    if (!S.open) return;
    S.unread = 0;
    if (S.topSeq > S.seenSeq) {
      S.seenSeq = S.topSeq;
      if (S.convId) local.set(K_SEEN, JSON.stringify({ conv: S.convId, seq: S.seenSeq }));
    }
    renderUnread();
  }

  function saveActed() {
    if (!S.convId) return;
    var keys = Object.keys(S.acted).map(Number).sort(function (a, b) { return a - b; });
    while (keys.length > 100) delete S.acted[keys.shift()];
    local.set(K_ACTED, JSON.stringify({ conv: S.convId, map: S.acted }));
  }

  // ----------------------------------------------------------- typing (remote) --
  function clearRemoteTyping(sender) {
    var keys = sender ? [sender] : Object.keys(typers);
    var changed = false;
    for (var i = 0; i < keys.length; i++) {
      if (typers[keys[i]]) {
        clearTimeout(typers[keys[i]].timer);
        delete typers[keys[i]];
        changed = true;
      }
    }
    if (changed && ui.typing) renderTyping();
  }

  function renderTyping() {
    var names = [];
    if (typers.agent) names.push(typers.agent.name);
    if (typers.bot) names.push(botLabel());
    if (!names.length) {
      ui.typing.hidden = true;
      ui.typingText.textContent = '';
      return;
    }
    ui.typingText.textContent = names.length === 1
      ? names[0] + ' is typing\u2026'
      : names[0] + ' and ' + names[1] + ' are typing\u2026';
    ui.typing.hidden = false;
  }

  // ------------------------------------------------------------ view updates --
  function render() {
    if (!ui.root) return;
    var hasMessages = ui.list.children.length > 0;
    ui.loading.hidden = S.fatal || S.initialLoaded || hasMessages;
    ui.unavailable.hidden = !S.fatal;
    ui.empty.hidden = S.fatal || !S.initialLoaded || hasMessages;
    if (!ui.emptyText.textContent) ui.emptyText.textContent = str(S.site.greeting).trim() || DEFAULT_GREETING;

    var showBanner = !S.fatal && !S.ready && (S.everReady || S.failures >= 2);
    if (showBanner) {
      var text = S.everReady ? COPY.lost : COPY.trouble;
      if (ui.bannerText.textContent !== text) ui.bannerText.textContent = text;
      ui.banner.hidden = false;
    } else if (!ui.banner.hidden) {
      ui.banner.hidden = true;
      ui.bannerText.textContent = '';
    }
    ui.input.disabled = S.fatal;
    ui.send.disabled = S.fatal || composerState().over;
    renderUnread();
  }

  function renderUnread() {
    var n = S.open ? 0 : S.unread;
    ui.unreadBadge.hidden = n <= 0;
    ui.unreadBadge.textContent = n > 9 ? '9+' : String(n);
  }

  function showNotice(text) {
    ui.noticeText.textContent = text;
    ui.notice.hidden = false;
  }

  function hideNotice() {
    ui.notice.hidden = true;
    ui.noticeText.textContent = '';
  }

  function announce(text) {
    ui.announcer.textContent = '';
    setTimeout(function () { ui.announcer.textContent = text; }, 50);
  }

  function atBottom() {
    var s = ui.scroll;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  function isNearBottom() {
    if (!ui.scroll || !S.open) return true;
    return S.stuck || atBottom();
  }

  function scrollToBottom() {
    var s = ui.scroll;
    if (!s) return;
    s.scrollTop = s.scrollHeight;
    S.stuck = true;
    if (ui.jump) ui.jump.hidden = true;
  }

  // ----------------------------------------------------------------- identity --
  // The host site says who is logged in: data-user-* attributes on our <script> tag, or
  // Chatsy.identify({id, email, name, plan, planHash, created, hash}) before or after we load.
  // The server believes the user only if `hash` is the site's HMAC of the id, and the plan only
  // if `planHash` is its HMAC of "id:plan" (docs/identity.md); the token it then issues is the
  // user's, on every device.
  function identityFromScript() {
    var id = script.getAttribute('data-user-id');
    if (!id) return null;
    return identityClean({
      id: id,
      email: script.getAttribute('data-user-email'),
      name: script.getAttribute('data-user-name'),
      plan: script.getAttribute('data-user-plan'),
      plan_hash: script.getAttribute('data-user-plan-hash'),
      created: script.getAttribute('data-user-created'),
      hash: script.getAttribute('data-user-hash')
    });
  }

  function identityClean(u) {
    if (!u || typeof u !== 'object' || u.id == null || u.id === '') return null;
    var out = {};
    var names = ['id', 'email', 'name', 'plan', 'plan_hash', 'created', 'hash'];
    for (var i = 0; i < names.length; i++) {
      var v = u[names[i]];
      if (v != null && v !== '') out[names[i]] = typeof v === 'number' ? v : str(v);
    }
    if (out.hash == null && u.user_hash != null) out.hash = str(u.user_hash);
    if (out.plan_hash == null && u.planHash != null) out.plan_hash = str(u.planHash);
    return out;
  }

  function identityKey() {
    return S.identity ? JSON.stringify(S.identity) : '';
  }

  // Claims the stored token was not issued for: ask the server again (it merges this device's
  // anonymous chat into the user's). No claims keep the token: a page without them is not a
  // logout (Chatsy.logout() is).
  function identityStale() {
    return !!S.identity && identityKey() !== (local.get(K_IDENT) || '');
  }

  function identityIssued(key) {
    if (key) local.set(K_IDENT, key);
    else local.remove(K_IDENT);
  }

  function sessionRequest() {
    var req = { site_key: siteKey };
    if (S.token) req.token = S.token;
    if (S.identity) req.identity = S.identity;
    return req;
  }

  // A new session on a new socket: the old socket's conversation may not be the user's.
  function resession() {
    if (S.ws) {
      var ws = S.ws;
      goneSocket(ws);
      try { ws.close(1000, 'identity changed'); } catch (e) { /* ignore */ }
    }
    clearTimer('reconnect');
    S.attempt = 0;
    render();
    start();
  }

  function identify(u) {
    S.identity = identityClean(u);
    if (!S.identity) { warn('Chatsy.identify needs at least an id.'); return; }
    if (ui.list && S.token && identityStale()) resession();
  }

  function logout() {
    S.identity = null;
    dropToken();
    if (!ui.list) return;
    resetConversation();
    resession();
  }

  // --------------------------------------------------------------- public hook --
  var queued = window.Chatsy && !window.Chatsy.__chatsy && window.Chatsy.q;
  window.Chatsy = {
    __chatsy: true,
    open: function () { setOpen(true, { focus: true }); },
    close: function () { setOpen(false, {}); },
    toggle: function () { setOpen(!S.open, { focus: true }); },
    identify: identify,
    logout: logout,
    state: function () {
      return { connected: !!S.ready, lastSeq: S.lastSeq, serverSeq: S.serverSeq, status: S.status };
    }
  };

  // --------------------------------------------------------------------- boot --
  function boot() {
    if (document.getElementById(HOST_ID)) return;
    if (!build()) return;
    replayQueued();
    ui.emptyText.textContent = str(S.site.greeting).trim() || DEFAULT_GREETING;
    loadOutbox();
    updateComposer();
    render();
    if (session.get(K_OPEN) === '1') setOpen(true, {}); // restore without stealing focus
    start();
  }

  // Calls made before we loaded: window.Chatsy = {q: [['identify', {...}]]} (docs/identity.md).
  function replayQueued() {
    if (!queued || !queued.length) return;
    for (var i = 0; i < queued.length; i++) {
      var call = queued[i];
      if (call && call[0] === 'identify') identify(call[1]);
      else if (call && call[0] === 'logout') logout();
    }
    queued = null;
  }

  if (document.body) boot();
  else document.addEventListener('DOMContentLoaded', boot);
})();
