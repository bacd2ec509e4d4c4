// The profile page: the shipping address fields show only when they are used.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-ship-toggle]");
  const fields = document.getElementById("shipping-fields");
  if (!toggle || !fields) return;
  const update = () => {
    fields.hidden = toggle.checked;
  };
  toggle.addEventListener("change", update);
  update();
});
