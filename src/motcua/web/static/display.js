/* The hall display (queue/display.py): renders the state, follows the server-sent events, speaks each call.
   Plain JS, no library. The server numbers each message (the commune's event number): EventSource resumes with
   Last-Event-ID by itself after a drop; when the browser comes back online (or the stream was closed for good) the
   page re-opens the stream and reads the whole state, so a TV that lost the network catches up without a reload. */
(function () {
  "use strict";
  var body = document.body;
  var commune = body.getAttribute("data-commune");
  var base = "/quay/" + commune + "/man-hinh";
  var words = document.getElementById("hall-words").innerHTML.split("|");
  var W = { counter: words[0], waiting: words[1], noResults: words[2], live: words[3], lost: words[4],
            call: words[5], to: words[6], noCounters: words[7] };
  var voiceOn = body.getAttribute("data-voice") === "1";
  var soundUnlocked = false;
  var audioQueue = [];
  var playing = false;
  var source = null;
  var lastSeq = 0;      // the id of the last message received (where the stream resumes)
  var stateSeq = 0;     // the event number of the state shown
  var lastHeard = Date.now();
  var retryTimer = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function replace(list, items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) { list.appendChild(item); });
  }

  function render(state) {
    if (typeof state.seq === "number" && state.seq < stateSeq) { return; } // an older answer arriving late
    stateSeq = Math.max(stateSeq, state.seq || 0);
    document.getElementById("hall-date").textContent = state.day;
    var closed = document.getElementById("hall-closed");
    closed.textContent = state.closed || "";
    closed.hidden = !state.closed;
    var counters = state.counters.map(function (c) {
      var li = el("li", "hall-counter" + (c.priority ? " priority" : ""));
      li.setAttribute("data-counter", String(c.number));
      var label = el("span", "hall-counter-label", W.counter + " " + c.number);
      if (c.name) { label.appendChild(document.createTextNode(" ")); label.appendChild(el("small", "", c.name)); }
      li.appendChild(label);
      li.appendChild(el("span", "hall-counter-number", c.serving || "—"));
      return li;
    });
    if (!counters.length) { counters = [el("li", "hall-empty", W.noCounters)]; }
    replace(document.getElementById("hall-counters"), counters);
    replace(document.getElementById("hall-recent"), state.recent.map(function (r) {
      var li = el("li");
      li.appendChild(el("b", "", r.number));
      li.appendChild(document.createTextNode(" → " + W.counter + " " + r.counter));
      return li;
    }));
    replace(document.getElementById("hall-fields"), state.fields.map(function (f) {
      var li = el("li");
      li.setAttribute("data-field", f.code);
      li.appendChild(el("span", "hall-field-label", f.label));
      li.appendChild(el("span", "hall-field-next", f.next.join("  ") || "—"));
      var count = el("span", "hall-field-count", W.waiting + ": ");
      count.appendChild(el("b", "", String(f.waiting)));
      li.appendChild(count);
      return li;
    }));
    var codes = state.results.map(function (code) { return el("li", "", code); });
    if (!codes.length) { codes = [el("li", "hall-empty", W.noResults)]; }
    replace(document.getElementById("hall-codes"), codes);
  }

  function flash(ev) {
    var box = document.getElementById("hall-flash");
    box.textContent = W.call + " " + ev.number + " " + W.to + " " + ev.counter;
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { box.hidden = true; }, 6000);
    var card = document.querySelector('.hall-counter[data-counter="' + ev.counter + '"]');
    if (card) {
      card.classList.remove("called");
      void card.offsetWidth; // restart the animation
      card.classList.add("called");
    }
  }

  function playNext() {
    if (playing || !soundUnlocked || !audioQueue.length) { return; }
    playing = true;
    var audio = new Audio(audioQueue.shift());
    var done = function () { playing = false; playNext(); };
    audio.addEventListener("ended", done);
    audio.addEventListener("error", done);
    var p = audio.play();
    if (p && p.catch) { p.catch(done); }
  }

  function announce(ev) {
    flash(ev);
    if (voiceOn) {
      audioQueue.push(base + "/loa/" + ev.ticket + ".wav");
      if (audioQueue.length > 5) { audioQueue.shift(); } // never read out a long backlog
      playNext();
    }
  }

  function onCall(message) {
    var ev = JSON.parse(message.data);
    if (ev.replay && ev.age > 15) { return; } // missed while away: the state shows it, no stale voice
    announce(ev);
  }

  function setLink(ok) {
    var link = document.getElementById("hall-link");
    link.textContent = ok ? W.live : W.lost;
    link.classList.toggle("lost", !ok);
  }

  function fetchState() {
    var req = new XMLHttpRequest();
    req.open("GET", base + "/trang-thai");
    req.setRequestHeader("Accept", "application/json");
    req.onload = function () {
      if (req.status === 200) { render(JSON.parse(req.responseText)); }
    };
    req.send();
  }

  function heard(m) {
    lastHeard = Date.now();
    var id = m && m.lastEventId ? parseInt(m.lastEventId, 10) : 0;
    if (id > lastSeq) { lastSeq = id; }
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
  }

  // A stream this page opens itself (first load, back online, after a silence) says where it stopped (?sau=),
  // as the browser's own reconnection does with Last-Event-ID.
  function connect() {
    clearTimeout(retryTimer);
    disconnect();
    heard();
    source = new EventSource(base + "/su-kien" + (lastSeq ? "?sau=" + lastSeq : ""));
    source.addEventListener("open", function () { heard(); setLink(true); });
    source.addEventListener("ping", function () { heard(); });
    source.addEventListener("state", function (m) { heard(m); setLink(true); render(JSON.parse(m.data)); });
    source.addEventListener("call", function (m) { heard(m); onCall(m); });
    source.addEventListener("recall", function (m) { heard(m); onCall(m); });
    source.addEventListener("error", function () {
      setLink(false);
      if (source.readyState === EventSource.CLOSED) { // the browser gave up (an error answer): try again later
        retryTimer = setTimeout(connect, 5000);
      }
    });
  }

  // The hall's clock is Hà Nội's, whatever zone the TV's browser was set to.
  var clock = null;
  try {
    clock = new Intl.DateTimeFormat("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit",
                                               second: "2-digit", hourCycle: "h23" });
  } catch (e) { clock = null; }

  function tick() {
    var now = new Date();
    if (clock) {
      document.getElementById("hall-time").textContent = clock.format(now);
      return;
    }
    var vn = new Date(now.getTime() + 7 * 3600 * 1000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    document.getElementById("hall-time").textContent =
      pad(vn.getUTCHours()) + ":" + pad(vn.getUTCMinutes()) + ":" + pad(vn.getUTCSeconds());
  }

  var soundButton = document.getElementById("hall-sound");
  if (soundButton) {
    soundButton.addEventListener("click", function () { // browsers allow sound only after one click on the page
      soundUnlocked = true;
      soundButton.hidden = true;
      document.getElementById("hall-sound-on").hidden = false;
      playNext();
    });
  }
  // Offline, the stream is dropped at once (as a lost cable drops it), not left to hang; online, it resumes.
  window.addEventListener("online", function () { connect(); fetchState(); });
  window.addEventListener("offline", function () { disconnect(); setLink(false); });
  // The server speaks at least every 15 s (a ping): 35 s of silence is a connection dead without an error.
  setInterval(function () {
    if (navigator.onLine !== false && Date.now() - lastHeard > 35000) { connect(); }
  }, 5000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { fetchState(); } });

  render(JSON.parse(document.getElementById("hall-state").textContent));
  tick();
  setInterval(tick, 1000);
  setInterval(fetchState, 60000); // the results panel (dossiers finished elsewhere) and a safety net
  connect();
})();
