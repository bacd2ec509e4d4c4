// Shop pages: show the fields of the chosen delivery and payment method, and keep
// a slow connection from submitting an order or a payment twice. Without
// JavaScript every field stays visible and the server decides the same way.
(() => {
  const showChosen = (form, name, attribute) => {
    const sections = form.querySelectorAll(`[${attribute}]`);
    if (!sections.length) {
      return;
    }
    const update = () => {
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      for (const section of sections) {
        const values = section.getAttribute(attribute).split(" ");
        section.hidden = chosen !== null && !values.includes(chosen.value);
      }
    };
    for (const radio of form.querySelectorAll(`input[name="${name}"]`)) {
      radio.addEventListener("change", update);
    }
    update();
  };

  const submitOnce = (form) => {
    form.addEventListener("submit", (event) => {
      const action = event.submitter ? event.submitter.value : "";
      if (action === "update") {
        return;
      }
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "true";
      form.setAttribute("aria-busy", "true");
    });
    // Coming back through the browser's history: the form is usable again.
    window.addEventListener("pageshow", () => {
      delete form.dataset.submitted;
      form.removeAttribute("aria-busy");
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form")) {
      showChosen(form, "delivery", "data-delivery");
      showChosen(form, "provider", "data-provider");
    }
    for (const form of document.querySelectorAll("form[data-submit-once]")) {
      submitOnce(form);
    }
  });
})();
