// Territory picker of /admin: refill the field's <datalist> with the territories whose name
// or code matches what the person types (GET /admin/territorios?q=...).
(function () {
  "use strict";
  function attach(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    var list = document.getElementById(input.dataset.territorySearch);
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (!q || q === asked || q.indexOf(" · ") !== -1) return;
        asked = q;
        fetch("/admin/territorios?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (values) {
            if (q !== asked) return;
            list.textContent = "";
            values.forEach(function (value) {
              var option = document.createElement("option");
              option.value = value;
              list.appendChild(option);
            });
            list.dataset.query = q;
          })
          .catch(function () {});
      }, 150);
    });
  }
  function init() {
    document.querySelectorAll("input[data-territory-search]").forEach(attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
