/* Switchboard admin console: the little script the pages need.
 *
 * Loaded with `defer` from base.html, after htmx (2.0.x) and SortableJS. No inline scripts and no
 * eval anywhere, so it runs under a Content-Security-Policy of script-src 'self'.
 *
 *  - toasts: the server sends `HX-Trigger: {"toast": {"message": "...", "level": "success"}}`;
 *    htmx fires a `toast` event whose detail is that object, and we show it in #toasts.
 *    Toasts rendered by the server (flashed messages) are dismissed the same way.
 *  - failed requests (4xx/5xx, network errors, timeouts) show an error toast.
 *  - every `form.sortable` becomes a SortableJS list; dropping a row makes Sortable dispatch an
 *    `end` event on the form, which the form's hx-trigger="end" posts (once).
 *    Dragging is off while the request runs.
 */
(function () {
  "use strict";

  var TOAST_MS = 4000;
  var UNDO_MS = 10000;
  var LEVELS = ["success", "error", "info"];

  function toastBox() {
    var box = document.getElementById("toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "toasts";
      box.className = "toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function dismissLater(el, ms) {
    var timer = window.setTimeout(function () { el.remove(); }, ms || TOAST_MS);
    el.addEventListener("click", function (evt) {
      if (evt.target.closest && evt.target.closest("form")) return; // an Undo button: let it submit
      window.clearTimeout(timer);
      el.remove();
    });
  }

  function showToast(message, level) {
    if (LEVELS.indexOf(level) === -1) level = "info";
    var el = document.createElement("div");
    el.className = "toast toast-" + level;
    if (level === "error") el.setAttribute("role", "alert");
    el.textContent = String(message); // never innerHTML: messages may echo user input
    toastBox().appendChild(el);
    dismissLater(el);
    return el;
  }

  // Toasts the server rendered into the page (flashed messages).
  function dismissServerToasts() {
    var existing = toastBox().querySelectorAll(".toast");
    for (var i = 0; i < existing.length; i++) {
      // a toast with Undo stays longer: time to read it and change one's mind
      dismissLater(existing[i], existing[i].classList.contains("toast-undo") ? UNDO_MS : TOAST_MS);
    }
  }

  document.body.addEventListener("toast", function (evt) {
    var detail = evt.detail || {};
    // {"toast": "text"} arrives as {value: "text"}; {"toast": {...}} as the object itself.
    var message = detail.message !== undefined ? detail.message : detail.value;
    if (message === undefined || message === null || message === "") return;
    showToast(message, detail.level || "success");
  });

  function carriesToast(xhr) {
    var header = xhr && xhr.getResponseHeader && xhr.getResponseHeader("HX-Trigger");
    return !!header && header.indexOf("toast") !== -1;
  }

  document.body.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (carriesToast(xhr)) return; // the server already said what went wrong
    showToast("The server answered " + (xhr ? xhr.status : "with an error"), "error");
  });

  document.body.addEventListener("htmx:sendError", function () {
    showToast("Could not reach the server. Check your connection and try again.", "error");
  });

  document.body.addEventListener("htmx:timeout", function () {
    showToast("The server took too long to answer.", "error");
  });

  // ---- Drag to reorder -------------------------------------------------------------------

  function initSortable(el) {
    if (typeof Sortable === "undefined" || Sortable.get(el)) return;
    var sortable = new Sortable(el, {
      handle: ".drag-handle",
      animation: 150,
      ghostClass: "sortable-ghost",
      filter: ".htmx-indicator",
      onMove: function (evt) {
        return !evt.related.classList.contains("htmx-indicator");
      },
      // SortableJS itself dispatches a DOM event named `end` on the list when a drag ends, and
      // hx-trigger="end" posts on it. Calling htmx.trigger(el, "end") here as well would post twice.
      onEnd: function () {
        sortable.option("disabled", true); // until the server has answered
      }
    });
    function enable() { sortable.option("disabled", false); }
    el.addEventListener("htmx:afterSwap", enable);
    el.addEventListener("htmx:afterRequest", enable); // also after a failed request (no swap)
  }

  // The handle is a button too: Arrow up / Arrow down on it press the row's Move up / Move down,
  // and the server puts the focus back on the moved row's handle (the hidden `via` field).
  document.body.addEventListener("keydown", function (evt) {
    var handle = evt.target.closest && evt.target.closest(".drag-handle");
    if (!handle || (evt.key !== "ArrowUp" && evt.key !== "ArrowDown")) return;
    evt.preventDefault();
    var row = handle.closest(".order-row");
    var button = row && row.querySelector(evt.key === "ArrowUp" ? ".move-up" : ".move-down");
    if (!button) return;
    if (button.disabled) {
      showToast(evt.key === "ArrowUp" ? "Already the first." : "Already the last.", "info");
      return;
    }
    var via = row.closest("form").querySelector("input[name=via]");
    if (via) via.value = "handle";
    button.click();
  });

  function initSortables(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches(".sortable")) initSortable(root);
    var found = root.querySelectorAll(".sortable");
    for (var i = 0; i < found.length; i++) initSortable(found[i]);
  }

  if (typeof htmx !== "undefined") {
    // htmx.onLoad runs for the page itself and for every piece of content htmx swaps in.
    htmx.onLoad(initSortables);
  } else {
    initSortables(document.body);
  }

  dismissServerToasts();

  window.Switchboard = { toast: showToast };
})();
