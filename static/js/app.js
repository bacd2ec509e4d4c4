// Small progressive enhancements; every page works without them.

// Times marked data-local are shown in the reader's own time zone. The text the
// server wrote (in the company's zone) stays as the tooltip, and is what readers
// without script see.
function showLocalTimes(root) {
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  for (const node of root.querySelectorAll("time[data-local]")) {
    const moment = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime()) || node.dataset.localShown) continue;
    node.title = node.textContent.trim();
    node.textContent = format.format(moment);
    node.dataset.localShown = "1";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  showLocalTimes(document);
});

// Content htmx swaps in gets the same treatment.
document.addEventListener("htmx:load", (event) => showLocalTimes(event.detail.elt));
