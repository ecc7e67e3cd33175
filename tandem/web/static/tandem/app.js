// Small behaviours that need no framework; no inline scripts (CSP forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});

// «Выбрать все»: a checkbox with data-select-all="NAME" ticks or clears every checkbox named
// NAME in its form, and follows them (ticked when all are, mixed when some are).
function selectAllBoxes(master) {
  const scope = master.form || document;
  return Array.from(scope.querySelectorAll('input[type="checkbox"]')).filter(
    (box) => box !== master && box.name === master.dataset.selectAll);
}
function syncSelectAll(master) {
  const boxes = selectAllBoxes(master);
  const ticked = boxes.filter((box) => box.checked).length;
  master.checked = boxes.length > 0 && ticked === boxes.length;
  master.indeterminate = ticked > 0 && ticked < boxes.length;
}
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLInputElement) || el.type !== "checkbox") return;
  if (el.dataset.selectAll) {
    selectAllBoxes(el).forEach((box) => { box.checked = el.checked; });
    return;
  }
  const scope = el.form || document;
  scope.querySelectorAll("input[data-select-all]").forEach((master) => {
    if (master.dataset.selectAll === el.name) syncSelectAll(master);
  });
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-select-all]").forEach(syncSelectAll);
});
