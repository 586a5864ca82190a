// Sala: when the session ends (a Dash request answered 401), reload the page so the server
// can send the login page, instead of leaving a screen frozen on stale numbers.
(function () {
  "use strict";
  var originalFetch = window.fetch;
  var reloading = false;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && !reloading && String(response.url).indexOf("/_dash-") !== -1) {
        reloading = true;
        window.location.reload();
      }
      return response;
    });
  };
})();
