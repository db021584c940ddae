"use strict";
// Controls marked data-submit-on-change send their form when changed (the language menu),
// from a static file so that the pages need no inline handler under a strict CSP.
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-submit-on-change]")) {
    event.target.form.submit();
  }
});
