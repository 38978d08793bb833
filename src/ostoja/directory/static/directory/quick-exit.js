/* Quick exit for the public directory pages (no inline script: CSP allows 'self' only).
 *
 * - The "Quick exit" link, or pressing Shift three times, replaces this page with a neutral
 *   one using location.replace(), so the current entry leaves the history.
 * - Within the directory, links and the GET search form also replace the current entry
 *   instead of adding one, so a whole visit is a single history entry: after a quick exit,
 *   Back does not lead into the directory.
 * Without JavaScript the link still works as a normal link.
 */
(function () {
  "use strict";
  var exitLink = document.querySelector("[data-quick-exit]");
  if (!exitLink) {
    return;
  }
  var target = exitLink.getAttribute("href");

  function quickExit(event) {
    if (event) {
      event.preventDefault();
    }
    document.body.classList.add("exiting");
    document.title = "";
    window.location.replace(target);
  }

  exitLink.addEventListener("click", quickExit);
  var hint = document.querySelector("[data-quick-exit-hint]");
  if (hint) {
    hint.hidden = false;
  }

  var presses = 0;
  var timer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    if (event.repeat) {
      return;
    }
    presses += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { presses = 0; }, 2000);
    if (presses >= 3) {
      quickExit();
    }
  });

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link === exitLink || link.target || link.hasAttribute("download")) {
      return;
    }
    var href = link.href;
    if (!/^https?:/.test(href) || !sameOrigin(href)) {
      return;
    }
    if (link.hash && link.pathname === window.location.pathname && link.search === window.location.search) {
      return;  // an in-page anchor (the skip link)
    }
    event.preventDefault();
    window.location.replace(href);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-replace-history") || (form.method || "get").toLowerCase() !== "get") {
      return;
    }
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") {
        params.append(key, value);
      }
    });
    var action = form.getAttribute("action") || window.location.pathname;
    var query = params.toString();
    window.location.replace(action + (query ? "?" + query : ""));
  });
}());
