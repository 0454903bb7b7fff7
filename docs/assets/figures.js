/* Notebook figures (issue 18): a click opens the figure at its full size, over the page.
 *
 * The figures are inline PNGs (kb/notebook_pages.py), drawn at 150 dpi and shown scaled to the
 * column; a browser will not open a data: URL as a page, so the full size is shown in a
 * <dialog> that scrolls. Escape, a click or the close button closes it.
 */
(function () {
  "use strict";

  var SELECTOR = ".jp-RenderedImage img";

  function open(img) {
    var dialog = document.createElement("dialog");
    dialog.className = "kb-figure-full";
    dialog.setAttribute("aria-label", "原尺寸的图");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "kb-figure-full__close";
    close.textContent = "关闭";
    var full = document.createElement("img");
    full.src = img.src;
    full.alt = img.alt || "";
    dialog.append(close, full);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); img.focus(); });
    dialog.addEventListener("click", function () { dialog.close(); });
    dialog.showModal();
    close.focus();
  }

  function init() {
    document.querySelectorAll(SELECTOR).forEach(function (img) {
      if (img.dataset.kbFigure) return;
      img.dataset.kbFigure = "true";
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      img.title = "点击看原尺寸";
      img.addEventListener("click", function () { open(img); });
      img.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(img); }
      });
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);   // first load and every instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
