/* Notebook figures (issue 18): a click, Enter or Space opens the figure at its full size.
 *
 * The figures are inline PNGs drawn at 150 dpi and shown scaled to the column; the build
 * marks each one (kb/notebooks/pages.py mark_figures: data-kb-figure, a button). A browser
 * will not open a data: URL as a page, so the full size is shown in a <dialog> that
 * scrolls; Escape, a click or its button closes it. One listener on the document serves
 * every page, instant navigation included.
 */
(function () {
  "use strict";

  var SELECTOR = "img[data-kb-figure]";

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

  document.addEventListener("click", function (event) {
    var img = event.target.closest && event.target.closest(SELECTOR);
    if (img) open(img);
  });
  document.addEventListener("keydown", function (event) {
    var img = event.target.closest && event.target.closest(SELECTOR);
    if (img && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(img);
    }
  });
})();
