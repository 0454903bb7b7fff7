"""The form of flashcards: cards that are hard to memorise, found from their text.

Pure functions, no MkDocs. The rules are those of formulating knowledge (Wozniak,
"20 rules"): one fact per card, no sets or enumerations, a front that is a full
question, a short cloze (a term or a formula, not a clause), no two cards that teach
the same fact. Four checks, each a warning with the card's ``file:line``:

* ``card-enumeration``: the answer lists three or more items: three or more children
  of a ``#card`` block; three clozes of one number; three parts separated by ``；``;
  or, inside one clause (between ``，``, ``：``, ``。``, brackets), three items
  separated by ``、``, ``,``, ``→`` or ``->``, a last ``和``/``与``/``及``/``或``/``and``/``or``
  counting as a separator once there is another.
* ``cloze-long``: a ``{{c1 ..}}`` cloze longer than :data:`CLOZE_MAX_UNITS`.
* ``front-short``: what the front shows, besides the asked cloze, is shorter than
  :data:`FRONT_MIN_UNITS`: too little to stand alone as a question.
* ``duplicate-answer``: two cards of one deck with the same answer (compared without
  spaces, case and closing punctuation; formulas by their TeX). A bare number is left
  out: that two facts have the answer 0 does not make them one fact.

Lengths are counted in *units*: a Chinese character is one, a word of letters or
digits (``running_mean``, ``0.1``) two, a formula two (a formula is one term, however
long its TeX). So 12 units are about 12 Chinese characters or 6 words.
Occlusion cards have no text to check.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kb.cards import render as card_html
from kb.cards.extract import CardNote

CLOZE_MAX_UNITS = 12     # about 12 Chinese characters or 6 words
FRONT_MIN_UNITS = 6      # e.g. "特点 :->" (2) or "AdaIN 的做法" (5) is too short; "Chan 合并公式" (6) is not
ENUMERATION_ITEMS = 3

FORMULA = "\ue010"       # stands for one formula in the text being measured
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RE_UNIT = re.compile(rf"(?P<cjk>[{CJK}])|(?P<word>[^\W{CJK}]+(?:[.'][^\W{CJK}]+)*)|(?P<formula>{FORMULA})")
RE_TAG = re.compile(r"<[^>]+>")
RE_ASKED = re.compile(r'<span class="cloze is-asked"[^>]*>.*?</span>', re.DOTALL)
RE_LIST_TAG = re.compile(r"<(?P<close>/?)(?P<tag>ul|ol|li)\b[^>]*>")
# Clauses: the pieces between clause punctuation and brackets (a list sits inside one clause).
RE_CLAUSE_BREAK = re.compile(r"[，。：:！？!?（）()\[\]【】\n]|\.(?=\s|$)")
RE_PART_BREAK = re.compile(r"[；;]")
RE_ITEM_BREAK = re.compile(r"、|,|，(?=\s*$)|→|->|⟶")
RE_LAST_ITEM = re.compile(r"(?:\s(?:and|or)\s|以及|和|与|及|或)")
RE_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?%?")
RE_CLOSING = re.compile(r"[\s。.，,；;：:！!？?]+$")


@dataclass(frozen=True, order=True)
class FormProblem:
    source: str      # the page's (or erratum file's) path, as the build names it
    line: int
    kind: str        # card-enumeration, cloze-long, front-short, duplicate-answer
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


# --- measuring text -----------------------------------------------------------------------


def plain_text(fragment: str, tex: bool = False) -> str:
    """Note HTML as the text a learner reads, each formula as one :data:`FORMULA` mark (``tex``: as its TeX)."""
    text = card_html.RE_ARITHMATEX_PLACEHOLDER.sub(lambda m: m.group("tex") if tex else FORMULA, fragment)
    return re.sub(r"\s+", " ", html.unescape(RE_TAG.sub(" ", text))).strip()


def units(text: str) -> int:
    """Length in units: a Chinese character 1, a word or number 2, a formula 2."""
    return sum(1 if match.group("cjk") else 2 for match in RE_UNIT.finditer(text))


def _items(clause: str) -> int:
    pieces = [p for p in RE_ITEM_BREAK.split(clause) if p.strip()]
    if len(pieces) >= 2:   # "A、B 和 C": the last "和" separates items once a list has begun
        pieces = pieces[:-1] + [p for p in RE_LAST_ITEM.split(pieces[-1]) if p.strip()]
    return len(pieces)


def enumerated_items(text: str) -> int:
    """How many items the answer lists: its ``；`` parts, or the items of its longest list."""
    parts = [p for p in RE_PART_BREAK.split(text) if units(p)]
    clauses = [c for part in parts for c in RE_CLAUSE_BREAK.split(part)]
    return max([len(parts), *(_items(c) for c in clauses)], default=0)


def top_level_items(fragment: str) -> int:
    """The ``<li>`` of the outermost list of an HTML fragment (a ``#card``'s children)."""
    depth, count = 0, 0
    for match in RE_LIST_TAG.finditer(fragment):
        if match.group("tag") in ("ul", "ol"):
            depth += -1 if match.group("close") else 1
        elif not match.group("close") and depth == 1:
            count += 1
    return count


# --- one card -----------------------------------------------------------------------------


def answers(note: CardNote, ordinal: int) -> list[str]:
    """The HTML of each cloze that card ``ordinal`` asks."""
    return [m.group("body") for m in card_html.RE_KB_CLOZE.finditer(note.html) if int(m.group("n")) == ordinal]


def answer_key(text: str) -> str:
    """What two answers are compared by: no spaces, no case, no closing punctuation.

    A bare number ("0", "0.1") has no key: many facts have the same number for answer.
    """
    key = re.sub(r"\s+", "", RE_CLOSING.sub("", text)).casefold()
    return "" if RE_NUMBER.fullmatch(key) else key


def front_text(note: CardNote, ordinal: int) -> str:
    """What the front of card ``ordinal`` shows, besides the asked cloze."""
    front = card_html.card_side(note.html, ordinal, "front")
    return plain_text(RE_ASKED.sub(" ", front))


def card_problems(note: CardNote, ordinal: int) -> list[FormProblem]:
    """The form problems of one card of a note (occlusion cards have none)."""
    if note.type == "occlusion":
        return []
    asked = answers(note, ordinal)
    text = plain_text(" ; ".join(asked)) if len(asked) > 1 else plain_text("".join(asked))
    problems = []

    def add(kind: str, message: str) -> None:
        problems.append(FormProblem(note.page.source, note.line, kind, message))

    listed = max(len(asked), top_level_items("".join(asked)), enumerated_items(text))
    if listed >= ENUMERATION_ITEMS:
        add("card-enumeration", f"card {ordinal}'s answer lists {listed} items ({_excerpt(text)!r}): "
                                "ask one item per card, or for the one thing they make together")
    if note.type == "cloze":
        for body in asked:
            length = units(plain_text(body))
            if length > CLOZE_MAX_UNITS:
                add("cloze-long", f"cloze {ordinal} is {length} units long ({_excerpt(plain_text(body))!r}; "
                                  f"at most {CLOZE_MAX_UNITS}: about 12 Chinese characters or 6 words): "
                                  "hide a term or a formula, not a clause")
    shown = front_text(note, ordinal)
    if units(shown) < FRONT_MIN_UNITS:
        add("front-short", f"card {ordinal}'s front is too short to be a question ({shown!r}, "
                           f"{units(shown)} units; at least {FRONT_MIN_UNITS}): say what is asked")
    return problems


def _excerpt(text: str, width: int = 40) -> str:
    text = text.replace(FORMULA, "$…$")
    return text if len(text) <= width else text[:width - 1] + "…"


# --- a deck -------------------------------------------------------------------------------


def check_cards(notes: list[CardNote]) -> list[FormProblem]:
    """The form problems of every card of the notes, a same answer within a deck included."""
    problems: list[FormProblem] = []
    first_with: dict[tuple[str, str], CardNote] = {}
    for note in notes:
        for card in note.cards:
            problems += card_problems(note, card.ordinal)
            if note.type == "occlusion":
                continue
            text = plain_text(" ".join(answers(note, card.ordinal)), tex=True)
            key = answer_key(text)
            if not key:
                continue
            first = first_with.setdefault((note.page.deck, key), note)
            if first is not note:
                problems.append(FormProblem(
                    note.page.source, note.line, "duplicate-answer",
                    f"card {card.ordinal}'s answer {_excerpt(text)!r} is also the answer of a card at "
                    f"{first.where} (deck {note.page.deck}): one fact, one card; make the questions "
                    "ask for different things"))
    return problems
