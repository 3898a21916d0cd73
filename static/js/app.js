// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.dataset.confirm && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});
