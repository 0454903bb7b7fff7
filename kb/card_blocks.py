"""How a note page shows a block that makes flashcards: the one call the page renderer needs.

Pure functions, no MkDocs. For a block, :func:`page_markup` returns ``None`` when
the block makes no card, else what to show instead of the block's own content:

* clozes: the text with each cloze hidden until clicked (``span.cloze``);
* ``q :-> a``: the question, then the answer folded in ``<details class="card-answer">``
  (``:<-`` folds the question, ``:<->`` both);
* ``#card``: the question (card tags removed); ``fold_children`` asks the
  renderer to wrap the block's children list in :func:`card_html.folded_answer`;
* ``occlusion::``: the image with its rectangles drawn over it, each revealed by a click.

The HTML keeps math as arithmatex placeholders, which the page's KaTeX pass
renders like any other formula. ``docs/assets/cards.js`` and ``cards.css`` give
the markup its behaviour (they are loaded on every page).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from kb import card_html
from kb.cards import PageInfo, _find_arrow, _image_site_path, _notes_of_block, occlusion_html
from kb.outline import Block


@dataclass(frozen=True)
class BlockMarkup:
    content_html: str          # replaces the block's rendered content
    fold_children: bool        # wrap the block's children in <details class="card-answer">


def root_prefix(page_url: str) -> str:
    """The relative path from a page to the site root: ``pages/bn/`` -> ``../../``, ``a/b.html`` -> ``../``."""
    return "../" * page_url.lstrip("/").count("/")


def page_markup(block: Block, page: PageInfo) -> BlockMarkup | None:
    """The block as a note page shows it, or ``None`` if it makes no card.

    Raises ``kb.cloze.CardSyntaxError`` (``file:line: ...``) for card syntax errors;
    the cards hook reports the same errors, so a renderer may also just skip the block.
    """
    notes = _notes_of_block(block, [], page, [])
    if not notes:
        return None
    prefix = root_prefix(page.url)
    by_type = {note.type: note for note in notes}
    parts: list[str] = []
    if "occlusion" in by_type:
        note = by_type["occlusion"]
        if note.html:   # the block's text beside its image
            parts.append(f"<p>{note.html}</p>")
        figure = occlusion_html(note, None, "page")
        parts.append(figure.replace('<img src="', f'<img src="{html.escape(prefix)}', 1))
    if "cloze" in by_type:
        parts.append(card_html.page_html(by_type["cloze"].html))
    elif "arrow" in by_type:
        parts.append(_arrow_markup(block, page))
    elif "card" in by_type:
        parts.append(card_html.render_markdown(block.content, source=page.source, first_line=block.line,
                                                clozes=False, inline=True,
                                                images=lambda s: prefix + _image_site_path(page, s)))
    return BlockMarkup("".join(parts), fold_children="card" in by_type)


def _arrow_markup(block: Block, page: PageInfo) -> str:
    text = block.content
    arrow = _find_arrow(text)
    assert arrow is not None

    def render(fragment: str) -> str:
        return card_html.render_markdown(fragment.strip(), source=page.source, first_line=block.line,
                                         clozes=False, inline=True)

    kind = arrow.group("arrow")
    question, answer = render(text[:arrow.start()]), render(text[arrow.end():])
    if kind in (":<-", ":<->"):
        question = card_html.folded_answer(question, "问题")
    if kind in (":->", ":<->"):
        answer = card_html.folded_answer(answer)
    return (f'<div class="card-arrow-note">{question} <b class="card-arrow">{html.escape(kind)}</b> '
            f'{answer}</div>')
