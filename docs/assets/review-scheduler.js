/* Scheduling and stored progress of the review page, on top of ts-fsrs (npm, pinned).
 *
 * A plain script with no DOM use: the browser loads it from extra_javascript, and the
 * FSRS parity test runs this same file in Node against the PyPI `fsrs` package.
 * Progress is one JSON object: {format, version, cards: {<card id>: <FSRS card>}},
 * kept in localStorage and exported / imported as a file.
 */
(function (root) {
  "use strict";

  var FORMAT = "kb-review-progress";
  var VERSION = 1;
  var RATINGS = { again: 1, hard: 2, good: 3, easy: 4 };
  var NUMBER_FIELDS = ["stability", "difficulty", "elapsed_days", "scheduled_days"];
  var COUNT_FIELDS = ["reps", "lapses", "learning_steps"];
  var MIN_STABILITY = 0.001;   // ts-fsrs S_MIN: next_state() throws below it

  function scheduler(FSRS, options) {
    // Fuzz spreads due dates of cards learnt together; the parity test turns it off.
    var fuzz = !options || options.fuzz !== false;
    return FSRS.fsrs(FSRS.generatorParameters({ enable_fuzz: fuzz }));
  }

  function toStored(card) {
    return {
      due: card.due.toISOString(),
      stability: card.stability,
      difficulty: card.difficulty,
      elapsed_days: card.elapsed_days,
      scheduled_days: card.scheduled_days,
      reps: card.reps,
      lapses: card.lapses,
      learning_steps: card.learning_steps,
      state: card.state,
      last_review: card.last_review ? new Date(card.last_review).toISOString() : null,
    };
  }

  function fromStored(stored) {
    var card = {};
    Object.keys(stored).forEach(function (key) { card[key] = stored[key]; });
    card.due = new Date(stored.due);
    card.last_review = stored.last_review ? new Date(stored.last_review) : undefined;
    return card;
  }

  /* The card's new stored state after a rating ("again", "hard", "good", "easy") at `now`. */
  function rate(FSRS, fsrs, stored, rating, now) {
    if (!(rating in RATINGS)) throw new Error("unknown rating: " + rating);
    var card = stored ? fromStored(stored) : FSRS.createEmptyCard(now);
    return toStored(fsrs.next(card, now, RATINGS[rating]).card);
  }

  function emptyProgress() {
    return { format: FORMAT, version: VERSION, cards: {} };
  }

  function isDate(value) {
    return typeof value === "string" && !isNaN(new Date(value).getTime());
  }

  /* Check the frame of a progress object (format, version, a cards object); null when fine. */
  function progressProblem(data) {
    if (!data || typeof data !== "object" || Array.isArray(data)) return "不是一个 JSON 对象";
    if (data.format !== FORMAT) return "不是复习进度（format 应为 \"" + FORMAT + "\"）";
    if (data.version !== VERSION) return "不支持的进度版本：" + JSON.stringify(data.version);
    if (!data.cards || typeof data.cards !== "object" || Array.isArray(data.cards)) return "缺少 cards 对象";
    return null;
  }

  /* Check one card's stored progress, as ts-fsrs needs it; null when fine, else a message. */
  function cardProblem(id, card) {
    var name = "卡片 " + id + " 的";
    if (!card || typeof card !== "object" || Array.isArray(card)) return name + "进度不是对象";
    if (!isDate(card.due)) return name + " due 不是日期";
    if (card.last_review !== null && card.last_review !== undefined && !isDate(card.last_review))
      return name + " last_review 不是日期";
    for (var j = 0; j < NUMBER_FIELDS.length; j++) {
      var value = card[NUMBER_FIELDS[j]];
      if (typeof value !== "number" || !isFinite(value) || value < 0)
        return name + " " + NUMBER_FIELDS[j] + " 不是非负数";
    }
    for (var k = 0; k < COUNT_FIELDS.length; k++) {
      var count = card[COUNT_FIELDS[k]];
      if (typeof count !== "number" || count < 0 || Math.floor(count) !== count)
        return name + " " + COUNT_FIELDS[k] + " 不是非负整数";
    }
    if ([0, 1, 2, 3].indexOf(card.state) < 0) return name + " state 应为 0 到 3";
    // A card once rated has a memory state; ts-fsrs refuses stability < S_MIN or difficulty < 1.
    if (card.state !== 0 && card.stability < MIN_STABILITY)
      return name + " stability 为 " + card.stability + "，已学过的卡片应至少为 " + MIN_STABILITY;
    if (card.state !== 0 && card.difficulty < 1)
      return name + " difficulty 为 " + card.difficulty + "，已学过的卡片应在 1 到 10 之间";
    return null;
  }

  /* What keeps a readable card from being rated at `now` (a clock set back); null when nothing. */
  function schedulingProblem(id, card, now) {
    if (card.last_review && new Date(card.last_review) > now)
      return "卡片 " + id + " 的上次复习时间 " + card.last_review + " 晚于现在（" + now.toISOString() +
             "），也许系统时钟被调过";
    return null;
  }

  /* Counts over the cards in view: new (never rated), due (rated, due now), learned (rated, not due). */
  function counts(cards, progress, now) {
    var result = { due: 0, "new": 0, learned: 0 };
    cards.forEach(function (card) {
      var stored = progress.cards[card.id];
      if (!stored) result["new"] += 1;
      else if (new Date(stored.due) <= now) result.due += 1;
      else result.learned += 1;
    });
    return result;
  }

  /* What to show next: due cards, earliest first, then new cards in page order. */
  function queue(cards, progress, now) {
    var due = [], fresh = [];
    cards.forEach(function (card) {
      var stored = progress.cards[card.id];
      if (!stored) fresh.push(card);
      else if (new Date(stored.due) <= now) due.push(card);
    });
    due.sort(function (a, b) {
      return new Date(progress.cards[a.id].due) - new Date(progress.cards[b.id].due);
    });
    return due.concat(fresh);
  }

  root.KBScheduler = {
    FORMAT: FORMAT, VERSION: VERSION, RATINGS: RATINGS,
    scheduler: scheduler, rate: rate, toStored: toStored, fromStored: fromStored,
    emptyProgress: emptyProgress, progressProblem: progressProblem, cardProblem: cardProblem,
    schedulingProblem: schedulingProblem, counts: counts, queue: queue,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
