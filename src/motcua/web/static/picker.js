// Type-to-search for a long <select> (the portal's 3,321 communes): an <input data-filter-for="ID"> hides the
// options whose data-search (folded: no diacritics, lower case) does not contain what was typed, folded the same
// way, so "binh minh phu tho" finds "Xã Bình Minh, Tỉnh Phú Thọ". Without JavaScript the input stays hidden and the
// grouped <select> works alone.
// With data-filter-best (the counter's procedure picker) typing also chooses: the shortest matching option, the
// closest to what was typed, is selected and the <select> hears a "change" (its own hx-trigger debounces the
// reload), and Enter in the search box does not send the form.
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filter-for]").forEach(function (input) {
      var select = document.getElementById(input.getAttribute("data-filter-for"));
      if (!select) { return; }
      input.hidden = false;
      input.addEventListener("input", function () {
        var words = fold(input.value).split(" ").filter(Boolean);
        var first = null;
        select.querySelectorAll("option[data-search]").forEach(function (option) {
          var hay = option.getAttribute("data-search");
          var match = words.every(function (w) { return hay.indexOf(w) !== -1; });
          option.hidden = !match;
          option.disabled = !match;
          if (match && first === null) { first = option; }
        });
        select.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        var current = select.options[select.selectedIndex];
        if (input.hasAttribute("data-filter-best")) {
          var best = null;
          if (words.length) {
            select.querySelectorAll("option[data-search]:not([hidden])").forEach(function (option) {
              if (!best || option.getAttribute("data-search").length < best.getAttribute("data-search").length) {
                best = option;
              }
            });
          }
          if (best && best !== current) {
            best.selected = true;
            select.dispatchEvent(new Event("change", { bubbles: true }));
          }
          return;
        }
        if (first && (!current || current.hidden || !current.value)) { first.selected = true; }
      });
      if (input.hasAttribute("data-filter-best")) {
        // The list has (or is about to get: autofocus may run after this script) the focus and nothing is chosen
        // yet: typing starts in the search box. Once it has the focus, the browser's autofocus leaves it there.
        var focused = document.activeElement;
        if (!select.value && (focused === select || focused === document.body || focused === null)) { input.focus(); }
        input.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); }
        });
      }
    });
  });
})();
