/* Switchboard admin console: the little script the pages need.
 *
 * Loaded with `defer` from base.html, after htmx (2.0.x) and SortableJS. No inline scripts and no
 * eval anywhere, so it runs under a Content-Security-Policy of script-src 'self'.
 *
 *  - toasts: the server sends `HX-Trigger: {"toast": {"message": "...", "level": "success"}}`;
 *    htmx fires a `toast` event whose detail is that object, and we show it in #toasts.
 *    Toasts rendered by the server (flashed messages) are dismissed the same way. Success and
 *    info toasts vanish after a few seconds; warning and error toasts stay until closed.
 *  - failed requests (4xx/5xx, network errors, timeouts) show an error toast; a panel that polls
 *    itself (data-poll-retry) asks again after a failed answer instead of freezing.
 *  - filter forms (form[data-url-state]) are set from the address bar after Back/Forward.
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

  // ---- A polling panel outlives a failed answer -----------------------------------------------
  // A panel that polls itself (a job's progress: hx-trigger="load delay:1s, poll-retry", swapped
  // outerHTML) is re-armed only by the answer it swaps in, so one dropped connection or a 502 during a
  // deploy would leave it on "Waiting to start…" for good. It asks again, waiting longer each time
  // (2, 4, 8 … 30 s). A 4xx is an answer (gone, signed out): no retry.
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail && evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll-retry") || evt.detail.successful) return;
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (status >= 400 && status < 500 && status !== 429) return;
    var wait = Math.min(30000, 2 * (Number(elt.getAttribute("data-poll-wait")) || 1000));
    elt.setAttribute("data-poll-wait", String(wait));
    setTimeout(function () { if (document.body.contains(elt)) htmx.trigger(elt, "poll-retry"); }, wait);
  });

  // ---- Filters live in the URL -------------------------------------------------------------
  // A form[data-url-state] (a list's filters) always shows what the address bar says. Each change
  // pushes a URL with every filter, but htmx restores Back and Forward from its history cache,
  // which serialised the markup: a typed search or a chosen option is not in it (the list is).
  // So after a restore, and on load (the browser may put back values of an older visit), every
  // control is set from location.search; a parameter that is absent means the control's default:
  // its data-default, else the select's "" option or its first one, an empty box, unchecked.
  function defaultOf(control) {
    var given = control.getAttribute("data-default");
    if (given !== null) return given;
    if (control.tagName === "SELECT") {
      var blank = Array.prototype.some.call(control.options, function (o) { return o.value === ""; });
      return blank || !control.options.length ? "" : control.options[0].value;
    }
    return control.type === "hidden" ? null : ""; // a hidden field without a default keeps its value
  }

  function syncFromUrl(form) {
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.type === "submit" || control.type === "button") return;
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = params.getAll(control.name).indexOf(control.value) !== -1;
        return;
      }
      var value = params.has(control.name) ? params.get(control.name) : defaultOf(control);
      if (value === null) return;
      control.value = value;
      if (control.tagName === "SELECT" && control.value !== value) control.value = defaultOf(control) || "";
    });
  }

  function syncFilterForms() {
    var forms = document.querySelectorAll("form[data-url-state]");
    for (var i = 0; i < forms.length; i++) syncFromUrl(forms[i]);
  }
  document.body.addEventListener("htmx:historyRestore", syncFilterForms);
  // Something in Chromium leaves empty style="" attributes on inputs after an htmx form submit;
  // restored from the snapshot, each one is an inline style that the CSP (style-src 'self') refuses.
  document.body.addEventListener("htmx:beforeHistorySave", function (evt) {
    var root = (evt.detail && evt.detail.historyElt) || document.body;
    var bare = root.querySelectorAll("[style='']");
    for (var i = 0; i < bare.length; i++) bare[i].removeAttribute("style");
  });
  window.addEventListener("pageshow", function (evt) { if (evt.persisted) syncFilterForms(); });
  syncFilterForms();

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

  // ---- Forms: JSON fields, unsaved changes, the first error -----------------------------------

  // A textarea[data-json=object] says as you type whether it holds a JSON object, and is shown
  // formatted once valid (on leaving it). The server checks it again on save.
  function jsonStatus(area) {
    var status = area.parentNode.querySelector(".json-status");
    if (!status) {
      status = document.createElement("small");
      status.className = "json-status";
      status.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function checkJson(area, format) {
    var text = area.value.trim(), status = jsonStatus(area), problem = "";
    if (text) {
      try {
        var value = JSON.parse(text);
        if (value === null || typeof value !== "object" || Array.isArray(value)) problem = "Must be a JSON object: { ... }.";
        else if (format) area.value = JSON.stringify(value, null, 2);
      } catch (err) {
        problem = "Not valid JSON yet: " + err.message;
      }
    }
    area.setCustomValidity(problem);
    status.textContent = text ? (problem || "Valid JSON.") : "";
    status.classList.toggle("json-bad", !!problem);
  }

  document.body.addEventListener("input", function (evt) {
    if (evt.target.matches && evt.target.matches("textarea[data-json]")) checkJson(evt.target, false);
  });
  document.body.addEventListener("focusout", function (evt) {
    if (evt.target.matches && evt.target.matches("textarea[data-json]")) checkJson(evt.target, true);
  });

  // A form with a Save button warns before the page is left with changes not saved.
  var SAVE_FORM = "form:has(button.primary[type=submit])";
  var dirty = new Set();
  document.body.addEventListener("input", function (evt) {
    var form = evt.target.closest && evt.target.closest(SAVE_FORM);
    if (form) dirty.add(form);
  });
  document.body.addEventListener("submit", function (evt) { dirty.delete(evt.target); });
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt; // the form saving itself (not a field's own request, such as the type switch)
    if (elt && elt.tagName === "FORM" && evt.detail.requestConfig && evt.detail.requestConfig.verb !== "get") dirty.delete(elt);
  });
  window.addEventListener("beforeunload", function (evt) {
    dirty.forEach(function (form) { if (!form.isConnected) dirty.delete(form); });
    if (dirty.size) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });

  // After a failed save the first field in error is brought into view and focused.
  function focusFirstError(root) {
    var field = root && root.querySelector && root.querySelector("[aria-invalid=true]");
    if (!field) return;
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }
  document.body.addEventListener("htmx:afterSettle", function (evt) { focusFirstError(evt.detail.elt); });
  focusFirstError(document.querySelector("main"));

  dismissServerToasts();

  window.Switchboard = { toast: showToast };
})();
