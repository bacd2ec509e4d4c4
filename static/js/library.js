// Library detail page: a button that copies the share caption. Without
// JavaScript (or clipboard access) the caption stays selectable in its box.
(() => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    const source = document.querySelector(button.dataset.copy);
    const done = button.parentElement.querySelector("[data-copied]");
    if (!source || !navigator.clipboard) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        if (done) {
          done.hidden = false;
        }
      } catch {
        source.select();
      }
    });
  }
})();
