// Team pages: show the open-position fields only when that placement is chosen.
// Without JavaScript every field stays visible and the form works the same.
document.addEventListener("DOMContentLoaded", () => {
  const fields = document.querySelector("[data-position-fields]");
  if (!fields) {
    return;
  }
  const form = fields.closest("form");
  const radios = form.querySelectorAll('input[name="placement"]');
  const update = () => {
    const chosen = form.querySelector('input[name="placement"]:checked');
    fields.hidden = !chosen || chosen.value !== "position";
  };
  for (const radio of radios) {
    radio.addEventListener("change", update);
  }
  update();
});
