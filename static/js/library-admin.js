// Library admin: while a material's file is processing, its change page asks
// for the status every few seconds and shows it (ready, or failed with the
// reason). Without JavaScript, reloading the page shows the same.
(() => {
  const EVERY_MS = 3000;
  const GIVE_UP_AFTER = 400; // about twenty minutes

  const watch = (box, tries) => {
    if (tries > GIVE_UP_AFTER) {
      return;
    }
    window.setTimeout(async () => {
      let fresh = null;
      try {
        const response = await fetch(box.dataset.statusUrl, {
          credentials: "same-origin",
          headers: { Accept: "text/html" },
        });
        if (response.ok) {
          const holder = document.createElement("template");
          holder.innerHTML = (await response.text()).trim();
          fresh = holder.content.firstElementChild;
        }
      } catch {
        // A network hiccup: try again at the next tick.
      }
      if (fresh && fresh.dataset.status !== "processing") {
        box.replaceWith(fresh);
        return;
      }
      watch(box, tries + 1);
    }, EVERY_MS);
  };

  const start = () => {
    for (const box of document.querySelectorAll(
      ".material-file-status[data-status-url]",
    )) {
      watch(box, 0);
    }
  };

  // The admin loads its scripts in the head, before the page's body exists.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
