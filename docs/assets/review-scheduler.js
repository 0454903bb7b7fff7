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

  /* The card's stored state after each rating at `now`, from one ts-fsrs call (repeat):
   * the rating buttons show these intervals, and the one chosen is what is stored. */
  function preview(FSRS, fsrs, stored, now) {
    var card = stored ? fromStored(stored) : FSRS.createEmptyCard(now);
    var outcomes = fsrs.repeat(card, now), result = {};
    Object.keys(RATINGS).forEach(function (name) { result[name] = toStored(outcomes[RATINGS[name]].card); });
    return result;
  }

  /* The card's new stored state after a rating ("again", "hard", "good", "easy") at `now`. */
  function rate(FSRS, fsrs, stored, rating, now) {
    if (!(rating in RATINGS)) throw new Error("unknown rating: " + rating);
    return preview(FSRS, fsrs, stored, now)[rating];
  }

  /* How long until `due`, as Anki writes it on its buttons: <1m, 10m, 3h, 4d, 1.5mo, 2.1y. */
  function interval(now, due) {
    var minutes = (new Date(due) - now) / 60000;
    if (minutes < 1) return "<1m";
    if (minutes < 60) return Math.round(minutes) + "m";
    var hours = minutes / 60;
    if (hours < 24) return Math.round(hours) + "h";
    var days = hours / 24;
    if (days < 30) return Math.round(days) + "d";
    if (days < 365) return Math.round(days / 30 * 10) / 10 + "mo";
    return Math.round(days / 365 * 10) / 10 + "y";
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

  var LEARN_AHEAD_MS = 20 * 60 * 1000;   // as Anki: a learning card due this soon is shown when nothing else is

  function isLearning(stored) { return stored.state === 1 || stored.state === 3; }

  /* Counts over the cards in view at `now`, with `newLeft` new cards still allowed today:
   * due (rated, due now), learning (in its learning steps, due later: it comes back today),
   * new (never rated, up to newLeft) and learned (in review, not due). */
  function counts(cards, progress, now, newLeft) {
    var result = { due: 0, learning: 0, "new": 0, learned: 0 };
    cards.forEach(function (card) {
      var stored = progress.cards[card.id];
      if (!stored) result["new"] += 1;
      else if (new Date(stored.due) <= now) result.due += 1;
      else if (isLearning(stored)) result.learning += 1;
      else result.learned += 1;
    });
    if (newLeft !== undefined) result["new"] = Math.min(result["new"], Math.max(0, newLeft));
    return result;
  }

  /* What to show next, as Anki does: due cards, earliest first; then new cards in the order
   * of `cards` (cards.json lists them along the learning path), at most `newLeft`; then
   * learning cards due within the next 20 minutes. */
  function queue(cards, progress, now, newLeft) {
    var due = [], fresh = [], soon = [];
    var byDue = function (a, b) { return new Date(progress.cards[a.id].due) - new Date(progress.cards[b.id].due); };
    cards.forEach(function (card) {
      var stored = progress.cards[card.id];
      if (!stored) fresh.push(card);
      else if (new Date(stored.due) <= now) due.push(card);
      else if (isLearning(stored) && new Date(stored.due) - now <= LEARN_AHEAD_MS) soon.push(card);
    });
    if (newLeft !== undefined) fresh = fresh.slice(0, Math.max(0, newLeft));
    return due.sort(byDue).concat(fresh, soon.sort(byDue));
  }

  root.KBScheduler = {
    FORMAT: FORMAT, VERSION: VERSION, RATINGS: RATINGS,
    scheduler: scheduler, preview: preview, rate: rate, interval: interval, toStored: toStored, fromStored: fromStored,
    emptyProgress: emptyProgress, progressProblem: progressProblem, cardProblem: cardProblem,
    schedulingProblem: schedulingProblem, counts: counts, queue: queue,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
