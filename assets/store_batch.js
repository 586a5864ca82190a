// One store notification per burst of RESET_COMPONENT_STATE, not one per component.
//
// Dash's renderer renders every component a callback returns as new, and each new
// component, once mounted, dispatches RESET_COMPONENT_STATE for its own path. Every
// dispatch notifies every subscriber, and every mounted component is one (its selector
// runs again). A callback that returns N components thus costs N x (all components)
// selector runs: the alert list (about 800 components) froze /alertas for 11-13 s on this
// machine at each refresh, and every page pays it once, since the router's callback
// returns the whole page. Those resets only clear the new components' own entries in
// ``layoutHashes``, so their subscribers are told once, in a microtask after the burst
// (before the browser paints); every other action notifies at once, as before.
//
// Runs before the renderer (assets come first in the page): Dash assigns its store to
// ``window.store`` before React mounts, so the Provider and every component subscribe
// and dispatch through the wrapped methods. Dash's own store observer subscribed
// earlier and is still told of every action, as before.
(function () {
  "use strict";
  const RESET = "RESET_COMPONENT_STATE";

  function batchResets(store) {
    const baseSubscribe = store.subscribe;
    const baseDispatch = store.dispatch;
    const listeners = [];
    let quiet = false;
    let due = false;

    function notify() {
      due = false;
      for (const listener of listeners.slice()) {
        listener();
      }
    }

    baseSubscribe(function () {
      if (!quiet) {
        notify();
      } else if (!due) {
        due = true;
        queueMicrotask(function () {
          if (due) {
            notify();
          }
        });
      }
    });

    store.subscribe = function (listener) {
      listeners.push(listener);
      let subscribed = true;
      return function unsubscribe() {
        if (!subscribed) {
          return;
        }
        subscribed = false;
        const at = listeners.indexOf(listener);
        if (at >= 0) {
          listeners.splice(at, 1);
        }
      };
    };

    store.dispatch = function (action) {
      if (!action || action.type !== RESET) {
        return baseDispatch(action);
      }
      quiet = true;
      try {
        return baseDispatch(action);
      } finally {
        quiet = false;
      }
    };
    store.salaBatchedResets = true; // for the tests
    return store;
  }

  let current;
  Object.defineProperty(window, "store", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (store) {
      current = store && !store.salaBatchedResets ? batchResets(store) : store;
    },
  });
})();
