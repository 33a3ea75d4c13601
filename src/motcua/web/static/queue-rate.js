// The counter's rating tablet: while no ticket is offered (or after a rating), look again every 10 seconds, so the
// citizen just served finds their number without anyone touching the tablet.
(function () {
  "use strict";
  var tablet = document.querySelector(".rate-tablet[data-refresh]");
  if (!tablet) { return; }
  window.setTimeout(function () { window.location.assign(tablet.getAttribute("data-refresh")); }, 10000);
})();
