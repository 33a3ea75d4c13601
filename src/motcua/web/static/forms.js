// After a refused form, the cursor goes to the first field in error (a person with a screen reader or on a phone
// otherwise starts again at the top of the page and must look for the red text).
window.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector("main [aria-invalid='true']");
  if (!first) { return; }
  if (first.tagName === "FIELDSET") { first = first.querySelector("input, select, textarea") || first; }
  first.focus({ preventScroll: false });
});
