// The import report while the worker imports: move the bar; reload once the import is over
// (done, failed, or interrupted: its process stopped and the same command must run again),
// and once it was resumed after an interruption, so that the page says so.
(function () {
  "use strict";
  const report = document.getElementById("import-report");
  const bar = document.getElementById("import-progress");
  if (!report || !bar) { return; }
  const going = ["pending", "running"];
  async function poll() {
    let job;
    try {
      const answer = await fetch(report.dataset.progressUrl, {credentials: "same-origin"});
      if (!answer.ok) { throw new Error(answer.status); }
      job = await answer.json();
    } catch (error) {  // the server restarting, the network gone: try again a little later
      setTimeout(poll, 5000);
      return;
    }
    if (!going.includes(job.status) ||
        (job.interruptions && !document.getElementById("import-resumed"))) {
      window.location.reload();
      return;
    }
    if (job.rows_total) { bar.max = job.rows_total; }
    bar.value = Math.min(job.rows_done, bar.max);
    document.getElementById("import-rows").textContent = job.rows_done;
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
