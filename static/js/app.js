// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.dataset.confirm && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});

// Navigation groups: one open at a time, closed by a click elsewhere.
document.addEventListener("click", (event) => {
  for (const group of document.querySelectorAll("details.navgroup[open], details.usermenu[open]")) {
    if (!group.contains(event.target)) group.removeAttribute("open");
  }
});

// A form sent back with its errors (422) replaces the form, as a 200 would.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
