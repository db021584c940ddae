// The segment form: how many contacts match now, recounted as the conditions change.
"use strict";
(function () {
  let timer = null;
  async function count(line) {
    const form = line.closest("form");
    const answer = await fetch(line.dataset.countUrl, {method: "POST", body: new FormData(form), credentials: "same-origin"});
    document.getElementById("segment-count").textContent = (await answer.json()).count;
  }
  function start() {
    const line = document.getElementById("segment-count-line");
    if (!line) return;
    const form = line.closest("form");
    const later = () => { clearTimeout(timer); timer = setTimeout(() => count(line), 300); };
    form.addEventListener("change", later);
    form.addEventListener("input", later);
    // Autocomplete widgets (select2) announce their changes through jQuery only.
    if (window.django && django.jQuery) { django.jQuery(form).on("change", "select", later); }
    count(line);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
