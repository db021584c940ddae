// The campaign page: editor or HTML, the live count of recipients, confirmations, progress.
"use strict";
(function () {
  function showBodyFormat() {
    const chosen = document.querySelector("input[name=body_format]:checked");
    if (!chosen) return;
    const html = chosen.value === "html";
    document.querySelectorAll(".field-html_body").forEach((row) => { row.hidden = html; });
    document.querySelectorAll(".field-html_source").forEach((row) => { row.hidden = !html; });
  }

  const AUDIENCE = ["tags", "segments", "exclude_tags", "exclude_segments"];

  async function countAudience() {
    const live = document.getElementById("audience-live");
    if (!live) return;
    const query = new URLSearchParams();
    for (const name of AUDIENCE) {
      const select = document.getElementById("id_" + name);
      if (!select) return; // read-only: the panel says it
      for (const option of select.selectedOptions) query.append(name, option.value);
    }
    const answer = await fetch(live.dataset.url + "?" + query, { credentials: "same-origin" });
    if (answer.ok) live.textContent = (await answer.json()).text;
  }

  function watchAudience() {
    // Django's autocomplete (Select2) announces changes through jQuery only.
    const $ = window.django && window.django.jQuery;
    for (const name of AUDIENCE) {
      const select = document.getElementById("id_" + name);
      if (!select) continue;
      if ($) $(select).on("change", countAudience);
      else select.addEventListener("change", countAudience);
    }
    countAudience();
  }

  function confirmActions() {
    document.querySelectorAll("[data-confirm]").forEach((button) => {
      button.addEventListener("click", (event) => {
        if (!window.confirm(button.dataset.confirm)) event.preventDefault();
      });
    });
  }

  function watchProgress() {
    const panel = document.getElementById("campaign-panel");
    if (!panel || panel.dataset.watch !== "yes") return;
    async function poll() {
      const answer = await fetch(panel.dataset.progressUrl, { credentials: "same-origin" });
      const c = await answer.json();
      const bar = document.getElementById("campaign-progress");
      if (bar) {
        bar.max = c.total;
        bar.value = c.total - c.pending;
        for (const name of ["failed", "unknown", "skipped", "total"]) {
          document.getElementById("campaign-" + name).textContent = c[name];
        }
        document.getElementById("campaign-done").textContent = c.sent;
      }
      if (c.status !== panel.dataset.status || (!bar && c.total)) window.location.reload();
      else setTimeout(poll, 1000);
    }
    setTimeout(poll, 1000);
  }

  function start() {
    document.querySelectorAll("input[name=body_format]").forEach((radio) => {
      radio.addEventListener("change", showBodyFormat);
    });
    showBodyFormat();
    watchAudience();
    confirmActions();
    watchProgress();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
