// The import report while the worker imports: move the bar, reload once it is done.
(function () {
  "use strict";
  const report = document.getElementById("import-report");
  const bar = document.getElementById("import-progress");
  if (!report || !bar) { return; }
  async function poll() {
    const answer = await fetch(report.dataset.progressUrl, {credentials: "same-origin"});
    const job = await answer.json();
    if (job.rows_total) { bar.max = job.rows_total; }
    bar.value = Math.min(job.rows_done, bar.max);
    document.getElementById("import-rows").textContent = job.rows_done;
    if (job.status === "done" || job.status === "failed") { window.location.reload(); }
    else { setTimeout(poll, 1000); }
  }
  setTimeout(poll, 1000);
})();
