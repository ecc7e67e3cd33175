// Small behaviours that need no framework; no inline scripts (CSP forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});

// A wide table or chart scrolls inside its own box on a phone; a keyboard user reaches
// that box with Tab and scrolls it with the arrows (axe: scrollable-region-focusable).
function markScrollableRegions() {
  document.querySelectorAll(".table-wrap, .chart, [data-scrolls]").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      const caption = box.querySelector("caption, figcaption");
      const heading = box.closest("section, article")?.querySelector("h2, h3");
      box.setAttribute("aria-label", (caption || heading)?.textContent.trim() || "Таблица");
      box.dataset.madeFocusable = "1";
    } else if (!scrolls && box.dataset.madeFocusable) {
      ["tabindex", "role", "aria-label", "data-made-focusable"].forEach((a) => box.removeAttribute(a));
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollableRegions);
window.addEventListener("load", markScrollableRegions);
// A chart's picture (loaded lazily, on scroll) is what makes its box wider than the screen.
document.addEventListener("load", (event) => {
  if (event.target instanceof HTMLImageElement) markScrollableRegions();
}, true);
document.addEventListener("htmx:afterSettle", markScrollableRegions);
window.addEventListener("resize", markScrollableRegions);

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

// A page whose parts save one at a time (the programme's sections) marks each part
// data-unsaved="no"; typing in a part marks it "yes", and the server answers a saved part
// with "no" again. Leaving the page while a part holds edits not yet saved asks first.
function markUnsaved(event) {
  const part = event.target instanceof Element && event.target.closest("[data-unsaved]");
  if (part) part.dataset.unsaved = "yes";
}
document.addEventListener("input", markUnsaved);
document.addEventListener("change", markUnsaved);
window.addEventListener("beforeunload", (event) => {
  if (document.querySelector('[data-unsaved="yes"]')) {
    event.preventDefault();
    event.returnValue = "";
  }
});
