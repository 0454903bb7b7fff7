/* The review page: cards from cards.json, one at a time, scheduled by ts-fsrs.
 *
 * Runs on every page load and after each instant navigation (Material's document$),
 * and does nothing on pages without #kb-review. Progress lives in localStorage under
 * one key, keyed by card id (see review-scheduler.js); cards no longer in cards.json
 * are not shown, and their stored progress is kept (and exported) untouched. Reading,
 * writing, setting aside what cannot be read and merging imports: review-progress.js.
 */
(function () {
  "use strict";

  var FSRS_PATH = "assets/vendor/ts-fsrs.umd.js";
  var FIRST_CARD_MARK = "kb-review:first-card";
  var fsrsLoading = null;

  function siteRoot() {
    // Material writes the site root, relative to this page, into #__config.
    var config = document.getElementById("__config");
    var base = config ? JSON.parse(config.textContent).base : ".";
    return new URL(base.replace(/\/?$/, "/"), location.href);
  }

  function loadFsrs(root) {
    if (window.FSRS) return Promise.resolve(window.FSRS);
    if (!fsrsLoading) {
      fsrsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = new URL(FSRS_PATH, root).href;
        script.onload = function () { resolve(window.FSRS); };
        script.onerror = function () { fsrsLoading = null; reject(new Error("无法加载 ts-fsrs")); };
        document.head.appendChild(script);
      });
    }
    return fsrsLoading;
  }

  // cards.json is asked for as soon as this script runs on the review page, while the
  // rest of the page is still being set up; a failed request is tried again next time.
  var cardsLoading = null;
  function loadCards(root) {
    if (!cardsLoading) {
      cardsLoading = fetch(new URL("cards.json", root).href).then(function (response) {
        if (!response.ok) throw new Error("cards.json: HTTP " + response.status);
        return response.json();
      });
      cardsLoading.catch(function () { cardsLoading = null; });
    }
    return cardsLoading;
  }

  /* The daily limit of new cards (default 20, settable) and the new cards first rated today,
   * in localStorage beside the progress: {limit} and {day: "YYYY-MM-DD" (local), ids}. */
  var NewCardsToday = (function () {
    var LIMIT_KEY = "kb-review-new-per-day", TODAY_KEY = "kb-review-new-today", DEFAULT_LIMIT = 20;
    function day(now) {
      return now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
             String(now.getDate()).padStart(2, "0");
    }
    function read(key) {
      try { return JSON.parse(localStorage.getItem(key)); } catch (err) { return null; }
    }
    function limit() {
      var stored = read(LIMIT_KEY);
      return typeof stored === "number" && stored >= 0 && Math.floor(stored) === stored ? stored : DEFAULT_LIMIT;
    }
    function seen(now) {
      var today = read(TODAY_KEY);
      return today && today.day === day(now) && Array.isArray(today.ids) ? today.ids : [];
    }
    return {
      limit: limit,
      setLimit: function (value) { localStorage.setItem(LIMIT_KEY, JSON.stringify(value)); },
      left: function (now) { return Math.max(0, limit() - seen(now).length); },
      add: function (id, now) {
        var ids = seen(now);
        if (ids.indexOf(id) < 0) ids.push(id);
        localStorage.setItem(TODAY_KEY, JSON.stringify({ day: day(now), ids: ids }));
      },
    };
  })();

  function setup(el) {
    var root = siteRoot();
    var q = function (selector) { return el.querySelector(selector); };
    var state = { cards: [], current: null, scope: "all", preview: null };

    function inScope(card) {
      if (state.scope === "all") return true;
      var kind = state.scope.slice(0, 5), value = state.scope.slice(5);
      return kind === "page:" ? card.page === value : card.tags.indexOf(value) >= 0;
    }

    function rebase(container) {
      // cards.json holds image paths relative to the site root.
      container.querySelectorAll("img[src]").forEach(function (img) {
        img.src = new URL(img.getAttribute("src"), root).href;
      });
    }

    function message(text, isError) {
      var box = q(".kb-review__message");
      box.textContent = text;
      box.classList.toggle("is-error", Boolean(isError));
    }

    // --- stored progress: read, rate, export, import (review-progress.js) -----------------

    /* The stored progress; what cannot be read is set aside (say where) and the rest is used. */
    function readProgress() {
      var loaded = KBProgress.load(localStorage, new Date());
      if (loaded.problems.length) reportUnreadable(loaded);
      return loaded.progress;
    }

    function reportUnreadable(loaded) {
      var shown = loaded.problems.slice(0, 3).join("；") + (loaded.problems.length > 3 ? "；……" : "");
      var what = "已存的复习进度中有 " + loaded.problems.length + " 项无法读取（" + shown + "）";
      if (loaded.error) {
        message(what + "，也无法备份（" + loaded.error.message + "）：为免覆盖，评分不会保存。", true);
      } else {
        message(what + "，已原样备份在 localStorage 的 " + loaded.backupKey + "；其余 " +
                Object.keys(loaded.progress.cards).length + " 张卡片的进度照常使用，无法读取的卡片重新开始。", true);
      }
    }

    /* Rate card `id` and store it. A card ts-fsrs cannot schedule (a clock set back, a memory
     * state it refuses) is set aside in a backup key and starts again as a new card. */
    function saveRating(FSRS, id, rating) {
      var now = new Date(), fsrs = KBScheduler.scheduler(FSRS);
      try {
        var progress = readProgress(), stored = progress.cards[id] || null, next = null;
        var problem = stored && KBScheduler.schedulingProblem(id, stored, now);
        // The outcome the button showed, when it was computed for this card as it is stored.
        var shown = state.preview && state.preview.id === id &&
                    state.preview.stored === JSON.stringify(stored) ? state.preview.outcomes[rating] : null;
        if (!problem) {
          try { next = shown || KBScheduler.rate(FSRS, fsrs, stored, rating, now); } catch (err) {
            if (!stored) throw err;
            problem = "ts-fsrs 无法为卡片 " + id + " 排程（" + err.message + "）";
          }
        }
        if (problem) {
          var key = KBProgress.backUpCard(localStorage, id, stored, now);
          next = KBScheduler.rate(FSRS, fsrs, null, rating, now);
          message(problem + "：原进度已备份在 localStorage 的 " + key + "，这张卡片按新卡片重新开始。", true);
        }
        progress.cards[id] = next;
        KBProgress.save(localStorage, progress, now);
        if (!stored) NewCardsToday.add(id, now);
        return true;
      } catch (err) {
        message("评分没有保存：" + err.message, true);
        return false;
      }
    }

    function importProgress(file) {
      file.text().then(function (text) {
        var incoming = KBProgress.parse(text), count = Object.keys(incoming.progress.cards).length;
        var problems = incoming.problems.join("；");
        if (!count) {
          message(problems ? "无法导入 " + file.name + "：" + problems + "。现有进度未改动。"
                           : file.name + " 中没有卡片的进度。现有进度未改动。", Boolean(problems));
          return;
        }
        var merged = KBProgress.merge(readProgress(), incoming.progress);
        try {
          KBProgress.save(localStorage, merged.progress, new Date());
        } catch (err) {
          var why = KBProgress.isQuotaError(err) ? "浏览器给本站的存储空间不够（" + err.name + "）" : err.message;
          message("无法导入 " + file.name + "：" + why + "。现有进度未改动。", true);
          return;
        }
        message("已导入 " + count + " 张卡片的进度（来自 " + file.name + "），按卡片合并：新增 " + merged.added.length +
                " 张，更新 " + merged.updated.length + " 张（文件中的复习更近），保留本机的 " + merged.kept.length +
                " 张（本机的复习更近或一样近）" + (problems ? "；未导入：" + problems : "") + "。", Boolean(problems));
        showNext();
      }).catch(function (err) {
        message("无法导入 " + file.name + "：" + err.message + "。现有进度未改动。", true);
      });
    }

    /* The counts at `now`; kept true while a card is shown (refreshed every 20 s). */
    function showCounts(cards, progress, now) {
      var counts = KBScheduler.counts(cards, progress, now, NewCardsToday.left(now));
      Object.keys(counts).forEach(function (key) {
        q('[data-count="' + key + '"]').textContent = String(counts[key]);
      });
    }

    function showNext() {
      var now = new Date(), progress = readProgress();
      var cards = state.cards.filter(inScope);
      showCounts(cards, progress, now);
      var next = KBScheduler.queue(cards, progress, now, NewCardsToday.left(now))[0] || null;
      state.current = next;
      state.preview = null;
      q(".kb-review__card").hidden = !next;
      q(".kb-review__done").hidden = Boolean(next);
      if (!next) {
        var unseen = cards.filter(function (card) { return !progress.cards[card.id]; }).length;
        q(".kb-review__done").textContent = unseen && !NewCardsToday.left(now)
          ? "今天的新卡（每天 " + NewCardsToday.limit() + " 张）和到期的卡片都复习完了；明天再来，或在下面调高每天的新卡数。"
          : "这个范围里现在没有到期的卡片。";
        return;
      }
      var pageUrl = new URL(next.url, root).href;
      q(".kb-review__meta").innerHTML = "";
      var link = document.createElement("a");
      link.href = pageUrl;
      link.textContent = next.page;
      q(".kb-review__meta").append(link, " · " + ({ cloze: "填空", arrow: "问答", card: "卡片",
        occlusion: "图片遮挡" }[next.type] || next.type));
      q(".kb-review__card").dataset.cardId = next.id;
      q(".kb-review__front").innerHTML = next.front;
      q(".kb-review__back").innerHTML = next.back;
      rebase(q(".kb-review__front"));
      rebase(q(".kb-review__back"));
      q(".kb-review__front").hidden = false;
      q(".kb-review__back").hidden = true;
      q(".kb-review__ratings").hidden = true;
      q(".kb-review__show").hidden = false;
      el.querySelectorAll(".kb-review__interval").forEach(function (span) { span.textContent = ""; });
      // For `make bench`: when this page load first showed a card.
      if (!performance.getEntriesByName(FIRST_CARD_MARK).length) performance.mark(FIRST_CARD_MARK);
    }

    /* Each rating's next interval on its button, from the same ts-fsrs call that will store it. */
    function showIntervals(card) {
      loadFsrs(root).then(function (FSRS) {
        if (state.current !== card) return;
        var now = new Date(), stored = readProgress().cards[card.id] || null;
        try {
          var outcomes = KBScheduler.preview(FSRS, KBScheduler.scheduler(FSRS), stored, now);
        } catch (err) { return; }   // rating reports it (saveRating)
        state.preview = { id: card.id, stored: JSON.stringify(stored), outcomes: outcomes };
        Object.keys(outcomes).forEach(function (rating) {
          q('.kb-review__ratings [data-rating="' + rating + '"] .kb-review__interval').textContent =
            KBScheduler.interval(now, outcomes[rating].due);
        });
      }, function (err) { message(err.message, true); });
    }

    function reveal() {
      if (!state.current) return;
      q(".kb-review__front").hidden = true;
      q(".kb-review__back").hidden = false;
      q(".kb-review__show").hidden = true;
      q(".kb-review__ratings").hidden = false;
      q('.kb-review__ratings [data-rating="good"]').focus();
      showIntervals(state.current);
    }

    function rate(rating) {
      if (!state.current || q(".kb-review__ratings").hidden) return;
      var id = state.current.id;
      loadFsrs(root).then(function (FSRS) {
        if (saveRating(FSRS, id, rating)) {
          showNext();
          // Keyboard focus stays on the card (it fell to the page body when the buttons hid).
          (state.current ? q(".kb-review__show") : q(".kb-review__done")).focus({ preventScroll: true });
        }
      }, function (err) { message(err.message, true); });
    }

    function exportProgress() {
      var blob = new Blob([JSON.stringify(readProgress(), null, 1)], { type: "application/json" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "kb-review-progress.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      message("已导出 " + Object.keys(readProgress().cards).length + " 张卡片的进度。");
    }

    function fillScopes() {
      var select = q(".kb-review__scope");
      var pages = [], tags = [];
      state.cards.forEach(function (card) {
        if (pages.indexOf(card.page) < 0) pages.push(card.page);
        card.tags.forEach(function (tag) { if (tags.indexOf(tag) < 0) tags.push(tag); });
      });
      var options = [["all", "全部卡片（" + state.cards.length + "）"]]
        .concat(pages.map(function (p) { return ["page:" + p, "页面：" + p]; }))
        .concat(tags.sort().map(function (t) { return ["tag::" + t, "标签：#" + t]; }));
      select.innerHTML = "";
      options.forEach(function (option) {
        var el2 = document.createElement("option");
        el2.value = option[0];
        el2.textContent = option[1];
        select.appendChild(el2);
      });
      var wanted = new URLSearchParams(location.search);
      if (wanted.get("page")) state.scope = "page:" + wanted.get("page");
      if (wanted.get("tag")) state.scope = "tag::" + wanted.get("tag");
      select.value = state.scope;
      if (select.value !== state.scope) state.scope = select.value = "all";
    }

    function fillDecks(decks) {
      var list = q(".kb-review__decks");
      list.innerHTML = "";
      decks.forEach(function (deck) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = new URL(deck.apkg, root).href;
        link.setAttribute("download", deck.apkg);
        link.textContent = "下载 Anki 卡组 " + deck.anki + "（" + deck.cards + " 张卡片）";
        item.appendChild(link);
        list.appendChild(item);
      });
    }

    q(".kb-review__show").addEventListener("click", reveal);
    q(".kb-review__ratings").addEventListener("click", function (event) {
      var button = event.target.closest("[data-rating]");
      if (button) rate(button.dataset.rating);
    });
    q(".kb-review__scope").addEventListener("change", function (event) {
      state.scope = event.target.value;
      showNext();
    });
    q(".kb-review__new-limit").addEventListener("change", function (event) {
      var value = Number(event.target.value);
      if (!isFinite(value) || value < 0 || Math.floor(value) !== value) {
        message("每天新卡数应为不小于 0 的整数。", true);
        event.target.value = String(NewCardsToday.limit());
        return;
      }
      NewCardsToday.setLimit(value);
      message("每天新卡：" + value + " 张。");
      if (!state.current || state.current && !readProgress().cards[state.current.id]) showNext();
      else showCounts(state.cards.filter(inScope), readProgress(), new Date());
    });
    var countsTimer = setInterval(function () {
      if (!document.body.contains(el)) { clearInterval(countsTimer); return; }
      showCounts(state.cards.filter(inScope), readProgress(), new Date());
    }, 20000);
    q(".kb-review__export").addEventListener("click", exportProgress);
    q(".kb-review__import").addEventListener("change", function (event) {
      if (event.target.files[0]) importProgress(event.target.files[0]);
      event.target.value = "";
    });
    el.kbKeys = function (event) {
      if (!document.body.contains(el) || event.target.closest("input, select, textarea")) return;
      // Space presses a focused button (or opens a link), as everywhere else.
      if (event.key === " " && event.target.closest("button, a, summary, [role=button]")) return;
      if (event.key === " " && !q(".kb-review__show").hidden && state.current) {
        event.preventDefault();
        reveal();
      } else if (["1", "2", "3", "4"].indexOf(event.key) >= 0) {
        rate(["again", "hard", "good", "easy"][Number(event.key) - 1]);
      }
    };
    document.addEventListener("keydown", el.kbKeys);

    loadCards(root).then(function (data) {
      state.cards = data.cards;
      fillScopes();
      fillDecks(data.decks);
      q(".kb-review__loading").hidden = true;
      q(".kb-review__controls").hidden = false;
      q(".kb-review__settings").hidden = false;
      q(".kb-review__new-limit").value = String(NewCardsToday.limit());
      el.dataset.ready = "true";
      showNext();
      loadFsrs(root);   // fetch the scheduler while the first card is read
    }).catch(function (err) {
      q(".kb-review__loading").textContent = "无法加载卡片：" + err.message;
    });
  }

  var active = null;
  function init() {
    if (active && active.kbKeys) document.removeEventListener("keydown", active.kbKeys);
    active = document.getElementById("kb-review");
    if (active) setup(active);
  }

  if (document.getElementById("kb-review")) loadCards(siteRoot());

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);   // first load and every instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
