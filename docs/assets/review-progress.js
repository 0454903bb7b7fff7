/* Review progress in storage: read what is readable, set aside what is not, merge imports.
 *
 * A plain script with no DOM use (Node tests run it with a stand-in for localStorage),
 * on top of KBScheduler (review-scheduler.js, loaded before it). Progress is kept under
 * one key. Nothing stored is ever overwritten unread: an entry that cannot be read (not
 * JSON, not progress, one card that ts-fsrs could not schedule) is copied as it was to
 * a backup key of its own ("kb-review-progress.unreadable.<time>") before the readable
 * rest is written back, and every write goes through that check first.
 */
(function (root) {
  "use strict";

  var STORAGE_KEY = "kb-review-progress";
  var BACKUP_PREFIX = STORAGE_KEY + ".unreadable.";

  /* Progress parsed from stored text: {progress, problems}, the readable cards kept. */
  function parse(text) {
    var S = root.KBScheduler, progress = S.emptyProgress();
    if (text === null || text === undefined) return { progress: progress, problems: [] };
    var data;
    try { data = JSON.parse(text); } catch (err) {
      return { progress: progress, problems: ["不是 JSON"] };
    }
    var frame = S.progressProblem(data);
    if (frame) return { progress: progress, problems: [frame] };
    var problems = [];
    Object.keys(data.cards).forEach(function (id) {
      var problem = S.cardProblem(id, data.cards[id]);
      if (problem) problems.push(problem);
      else progress.cards[id] = data.cards[id];
    });
    return { progress: progress, problems: problems };
  }

  /* Copy `text` to a new backup key (never one in use); return the key. Throws when storage is full. */
  function backUp(storage, text, now) {
    var key = BACKUP_PREFIX + now.toISOString();
    for (var n = 2; storage.getItem(key) !== null; n++) key = BACKUP_PREFIX + now.toISOString() + "-" + n;
    storage.setItem(key, text);
    return key;
  }

  /* The stored progress at `now`: {progress, problems, backupKey, error}.
   * With problems, the stored text is first backed up whole (backupKey), then replaced by its
   * readable part; when the backup fails (error), storage is left as it was. */
  function load(storage, now) {
    var text = storage.getItem(STORAGE_KEY);
    var read = parse(text);
    var result = { progress: read.progress, problems: read.problems, backupKey: null, error: null };
    if (!read.problems.length) return result;
    try {
      result.backupKey = backUp(storage, text, now);
      storage.setItem(STORAGE_KEY, JSON.stringify(read.progress));
    } catch (err) {
      result.error = err;
    }
    return result;
  }

  /* Store `progress`, after setting aside whatever unreadable text is stored now; throws if it cannot. */
  function save(storage, progress, now) {
    var loaded = load(storage, now);
    if (loaded.error) throw new Error("无法备份读不懂的已存进度（" + loaded.error.message + "），为免覆盖，没有保存");
    storage.setItem(STORAGE_KEY, JSON.stringify(progress));
  }

  /* Set one card's progress aside in a backup key (it could not be scheduled); return the key. */
  function backUpCard(storage, id, card, now) {
    var kept = root.KBScheduler.emptyProgress();
    kept.cards[id] = card;
    return backUp(storage, JSON.stringify(kept), now);
  }

  function reviewedAt(card) {
    return card.last_review ? new Date(card.last_review).getTime() : -Infinity;
  }

  /* `incoming` merged into `current`, card by card, the more recent review of each winning
   * (a tie keeps `current`): {progress, added, updated, kept} (lists of card ids). */
  function merge(current, incoming) {
    var progress = root.KBScheduler.emptyProgress();
    var result = { progress: progress, added: [], updated: [], kept: [] };
    Object.keys(current.cards).forEach(function (id) { progress.cards[id] = current.cards[id]; });
    Object.keys(incoming.cards).forEach(function (id) {
      var mine = current.cards[id], theirs = incoming.cards[id];
      if (!mine) {
        result.added.push(id);
      } else if (reviewedAt(theirs) > reviewedAt(mine)) {
        result.updated.push(id);
      } else {
        result.kept.push(id);
        return;
      }
      progress.cards[id] = theirs;
    });
    return result;
  }

  function isQuotaError(err) {
    return Boolean(err) && (err.name === "QuotaExceededError" || err.name === "NS_ERROR_DOM_QUOTA_REACHED" ||
                            err.code === 22 || err.code === 1014);
  }

  root.KBProgress = {
    STORAGE_KEY: STORAGE_KEY, BACKUP_PREFIX: BACKUP_PREFIX,
    parse: parse, load: load, save: save, backUpCard: backUpCard, merge: merge, isQuotaError: isQuotaError,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
