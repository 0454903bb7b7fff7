/* Flashcards on the note pages: clozes hidden until clicked, occlusion masks revealed
 * one by one, by click, Enter or Space. Folded answers are <details> elements and need
 * no script.
 *
 * Markup (kb/logseq/extension.py, kb/cards/extract.py): <span class="cloze" role="button" tabindex="0"
 * aria-expanded="false"> with .cloze-placeholder, .cloze-label and .cloze-answer inside;
 * <figure class="occlusion"> with <span class="occlusion-mask" role="button" tabindex="0">
 * children. The listeners sit on the document, so content that Material's instant
 * navigation swaps in works without binding anything again.
 */
(function () {
  "use strict";

  function toggle(target) {
    var revealed = !target.classList.contains("is-revealed");
    target.classList.toggle("is-revealed", revealed);
    target.setAttribute("aria-expanded", String(revealed));
  }

  function revealable(event) {
    var target = event.target.closest(".cloze[role=button], .occlusion-mask[role=button]");
    // Links inside a revealed answer keep working.
    if (target && target.classList.contains("is-revealed") && event.target.closest("a")) return null;
    return target;
  }

  document.addEventListener("click", function (event) {
    var target = revealable(event);
    if (target) toggle(target);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var target = revealable(event);
    if (!target) return;
    event.preventDefault();   // Space would scroll the page
    toggle(target);
  });
})();
