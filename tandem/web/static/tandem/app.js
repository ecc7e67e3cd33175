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
