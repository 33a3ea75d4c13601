// The counter (issue 16). Two small helps; without JavaScript the form and the receipt link work alone.
// 1. A fee that a deadline decides (birth registration: on time within 60 days of the birth, Luật Hộ tịch Art. 15)
//    is checked as soon as the officer enters the event's date; the officer can still choose the other.
// 2. After "Lưu và in phiếu" the dossier page loads the receipt into a hidden frame and opens the print dialog.
(function () {
  function days(iso) {
    var parts = iso.split("-");
    return Date.UTC(+parts[0], +parts[1] - 1, +parts[2]) / 86400000;
  }
  function fromDate(event) {
    var input = event.target;
    if (!input || input.id !== "event_date" || !input.value) { return; }
    var late = days(input.getAttribute("data-today")) - days(input.value) > +input.getAttribute("data-deadline-days");
    var value = input.getAttribute(late ? "data-late" : "data-on-time");
    var radio = document.querySelector("input[name='fee_options'][value='" + value + "']");
    if (radio) { radio.checked = true; }
  }
  document.addEventListener("input", fromDate);
  document.addEventListener("change", fromDate);
  window.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector("a[data-print-now]");
    if (!link) { return; }
    var frame = document.createElement("iframe");
    frame.className = "print-frame";
    frame.title = link.textContent;
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    frame.addEventListener("load", function () {
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
        document.documentElement.setAttribute("data-print-started", "1");
      } catch (e) {
        window.open(link.href, "_blank");  // a browser that cannot print a framed PDF: the receipt in a new tab
      }
    });
    frame.src = link.href;
    document.body.appendChild(frame);
  });
})();
