// Live status on the client: freshness texts, the "Reconectando…" / stale banner, and a
// self-healing reload when the websocket stays dead while the server answers HTTP again.
// Fed by clientside callbacks (callbacks/live.py) that call salaLive.seen(store, data).
(function () {
  const LOST_MS = 7000;          // no heartbeat for this long = disconnected
  const RELOAD_AFTER_MS = 45000; // websocket dead but HTTP fine: reload the page...
  const RELOAD_EVERY_MS = 300000; // ...at most once per 5 min (a proxy may block websockets)
  const loadedAt = Date.now();
  const state = {
    beatAt: 0, everBeat: false, skew: 0, bus: true, lastEventMs: null, confirmedMs: 0,
    pollAt: 0, feedAt: 0,
  };

  function seen(store, data) {
    const now = Date.now();
    if (store === "live-beat" && data) {
      state.beatAt = now; state.everBeat = true; state.beat = data;
      state.skew = now - data.t; state.bus = data.bus !== false;
      state.lastEventMs = data.last_event_ms; state.confirmedMs = state.bus ? data.t : state.confirmedMs;
    } else if (store === "live-feed" && data) {
      state.feedAt = now; state.beatAt = now; state.everBeat = true;
      state.skew = now - data.server_ms; state.confirmedMs = data.server_ms;
    } else if (store === "live-poll-ok") {
      state.pollAt = now;
    }
    tick();
    return String(now);
  }

  function ago(seconds) {
    if (seconds < 60) return Math.max(0, Math.round(seconds)) + " s";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    return Math.round(seconds / 3600) + " h";
  }

  function caracasTime(ms) {
    return new Intl.DateTimeFormat("es-VE", {
      timeZone: "America/Caracas", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
    }).format(new Date(ms));
  }

  function banner() {
    let el = document.getElementById("sala-live-banner");
    if (!el) {
      el = document.createElement("div");
      el.id = "sala-live-banner";
      el.setAttribute("role", "alert");
      el.className = "live-banner";
      document.body.appendChild(el);
    }
    return el;
  }

  function show(kind, text) {
    const el = banner();
    el.dataset.state = kind;
    el.textContent = text;
    el.hidden = kind === "ok";
    document.documentElement.dataset.live = kind;
  }

  function tick() {
    const now = Date.now();
    const serverNow = now - state.skew;
    const connected = state.beatAt && now - state.beatAt < LOST_MS;
    // Freshness: data is current as of the later of its refresh and the last heartbeat.
    document.querySelectorAll(".freshness[data-since]").forEach(function (el) {
      const since = Number(el.dataset.since);
      if (!since) return;
      const asOf = connected ? Math.max(since, state.confirmedMs) : since;
      const age = (serverNow - asOf) / 1000;
      el.textContent = "actualizado hace " + ago(age);
      el.classList.toggle("freshness-old", age > 60);
    });
    const wall = document.querySelector("[data-stale-after]");
    const staleAfter = wall ? Number(wall.dataset.staleAfter) : 0;
    if (!connected && (state.everBeat || now - loadedAt > LOST_MS)) {
      const since = state.beatAt ? " desde las " + caracasTime(state.beatAt) : "";
      show("reconnecting", "Reconectando… sin conexión en vivo" + since +
        ". Los datos mostrados pueden estar desactualizados.");
      maybeReload(now);
    } else if (connected && !state.bus) {
      show("bus", "Bus de eventos no disponible: reintentando. Los datos pueden estar desactualizados.");
    } else if (connected && staleAfter > 0 && state.lastEventMs &&
               serverNow - state.lastEventMs > staleAfter * 1000) {
      show("quiet", "Sin datos nuevos desde hace " + ago((serverNow - state.lastEventMs) / 1000) +
        " (último evento a las " + caracasTime(state.lastEventMs + state.skew) + ").");
    } else {
      show(connected ? "ok" : "connecting", "");
      if (!connected) banner().hidden = true;
    }
  }

  function maybeReload(now) {
    if (!state.everBeat || now - state.beatAt < RELOAD_AFTER_MS) return;
    if (!state.pollAt || now - state.pollAt > 20000) return; // server still unreachable
    const last = Number(sessionStorage.getItem("salaLiveReload") || 0);
    if (now - last < RELOAD_EVERY_MS) return;
    sessionStorage.setItem("salaLiveReload", String(now));
    window.location.reload();
  }

  // The tab's ticker (live-ticker) after a live-feed: a window's feed carries only its own
  // items (news), put in front of what the tab kept; a catch-up or reload replaces it. The
  // same rule as the server's ticker of the scope (callbacks/live.py scope_feed).
  const TICKER_SIZE = 12; // layouts/live.TICKER_SIZE (tests/callbacks/test_live_feed.py)
  function mergeTicker(feed, kept) {
    const dc = window.dash_clientside;
    if (!feed || !Array.isArray(feed.items)) return dc ? dc.no_update : kept;
    if (!feed.news) return feed.items.slice(0, TICKER_SIZE);
    if (!feed.items.length) return dc ? dc.no_update : kept;
    return feed.items.concat(Array.isArray(kept) ? kept : []).slice(0, TICKER_SIZE);
  }

  window.salaLive = { seen: seen, state: state, tick: tick, mergeTicker: mergeTicker };
  setInterval(tick, 1000);
})();
