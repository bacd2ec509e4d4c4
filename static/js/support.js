// Support inbox: picking a canned reply fills the reply box (without JS, the
// "Use this reply" button reloads the page with the text filled in).
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-fills]")) {
    select.addEventListener("change", () => {
      const target = document.getElementById(select.dataset.fills);
      const option = select.selectedOptions[0];
      if (target && option && option.dataset.text) {
        target.value = option.dataset.text;
        target.focus();
      }
    });
  }
});
