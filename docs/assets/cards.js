/* Flashcards on the note pages: clozes hidden until clicked, occlusion masks revealed
 * one by one. Folded answers are <details> elements and need no script.
 *
 * Markup (kb/card_html.py, kb/cards.py): <span class="cloze" role="button" tabindex="0">
 * with .cloze-placeholder and .cloze-answer inside; <figure class="occlusion"> with
 * <span class="occlusion-mask" role="button" tabindex="0"> children. A bare
 * <span class="cloze">answer</span> is upgraded to that markup here.
 * Event delegation on the document: works for content swapped in by Material's
 * instant navigation without re-binding; document$ re-runs the upgrade.
 */
(function () {
  "use strict";

  function upgrade(root) {
    root.querySelectorAll(".cloze:not(.is-asked):not(.is-answer)").forEach(function (cloze) {
      if (cloze.querySelector(".cloze-answer")) return;
      var answer = document.createElement("span");
      answer.className = "cloze-answer";
      while (cloze.firstChild) answer.appendChild(cloze.firstChild);
      var placeholder = document.createElement("span");
      placeholder.className = "cloze-placeholder";
      placeholder.textContent = cloze.dataset.hint ? "[" + cloze.dataset.hint + "]" : "[…]";
      cloze.append(placeholder, answer);
      cloze.setAttribute("role", "button");
      cloze.setAttribute("tabindex", "0");
      cloze.setAttribute("aria-expanded", "false");
    });
  }

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

  function init() { upgrade(document); }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.KBCards = { upgrade: upgrade };
})();
