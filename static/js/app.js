/* Switchboard admin console: the little script the pages need.
 *
 * Loaded with `defer` from base.html, after htmx (2.0.x) and SortableJS. No inline scripts and no
 * eval anywhere, so it runs under a Content-Security-Policy of script-src 'self'.
 *
 *  - toasts: the server sends `HX-Trigger: {"toast": {"message": "...", "level": "success"}}`;
 *    htmx fires a `toast` event whose detail is that object, and we show it in #toasts.
 *    Toasts rendered by the server (flashed messages) are dismissed the same way. Success and
 *    info toasts vanish after a few seconds; warning and error toasts stay until closed.
 *  - failed requests (4xx/5xx, network errors, timeouts) show an error toast.
 *  - every `form.sortable` becomes a SortableJS list; dropping a row makes Sortable dispatch an
 *    `end` event on the form, which the form's hx-trigger="end" posts (once).
 *    Dragging is off while the request runs.
 */
(function () {
  "use strict";

  var TOAST_MS = 4000;
  var UNDO_MS = 10000;
  var LEVELS = ["success", "info", "warning", "error"];
  // Success and info vanish by themselves; a warning or an error stays until it is dismissed:
  // a refusal must not disappear while it is being read.
  var STICKY = ["warning", "error"];

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

  function isSticky(el) {
    return el.classList.contains("toast-error") || el.classList.contains("toast-warning");
  }

  function closeButton(el) {
    var button = el.querySelector(".toast-close");
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "toast-close";
      button.setAttribute("aria-label", "Dismiss");
      button.textContent = "\u00d7";
      el.appendChild(button);
    }
    button.addEventListener("click", function () { el.remove(); });
  }

  function dismissLater(el, ms) {
    if (isSticky(el)) { closeButton(el); return; }
    var timer = window.setTimeout(function () { el.remove(); }, ms || TOAST_MS);
    el.addEventListener("click", function (evt) {
      if (evt.target.closest && evt.target.closest("form, a")) return; // Undo, or a link in the message
      window.clearTimeout(timer);
      el.remove();
    });
  }

  function showToast(message, level) {
    if (LEVELS.indexOf(level) === -1) level = "info";
    var el = document.createElement("div");
    el.className = "toast toast-" + level;
    if (STICKY.indexOf(level) !== -1) el.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.className = "toast-text";
    text.textContent = String(message); // never innerHTML: messages may echo user input
    el.appendChild(text);
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
