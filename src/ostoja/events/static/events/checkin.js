// Staff check-in page: camera scanning where the browser has BarcodeDetector, the typed code
// otherwise; answers and live counts without reloading. Self-hosted, no third-party code.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) { return; }
  var form = document.getElementById("code-form");
  var answer = document.getElementById("answer");
  var statusLine = document.getElementById("camera-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function nonce() {
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function show(data) {
    var p = document.createElement("p");
    p.className = "message " + (data.status === "ok" ? "message-success" : "message-error");
    var strong = document.createElement("strong");
    strong.textContent = data.message || data.reason || "";
    p.appendChild(strong);
    if (data.position) {
      p.appendChild(document.createTextNode(" — " + data.position.attendee_name + " (" + data.position.category + ")"));
    }
    answer.replaceChildren(p);
  }

  function send(value) {
    return fetch(root.dataset.scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({code: value, nonce: nonce()})
    }).then(function (r) { return r.json(); }).then(function (data) { show(data); refresh(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var input = document.getElementById("id_code");
    var value = input.value.trim();
    if (!value) { return; }
    send(value).then(function () { input.value = ""; input.focus(); });
  });

  function refresh() {
    fetch(root.dataset.countsUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      data.lists.forEach(function (row) {
        var tr = document.querySelector('#counts tr[data-list="' + row.id + '"]');
        if (tr) {
          tr.querySelector(".n-in").textContent = row.checked_in;
          tr.querySelector(".n-exp").textContent = row.expected;
        }
      });
    });
  }
  window.setInterval(refresh, 5000);

  if (!("BarcodeDetector" in window)) {
    statusLine.textContent = root.dataset.msgNocamera;
    return;
  }
  document.getElementById("scanner").hidden = false;
  var detector = new window.BarcodeDetector({formats: ["qr_code"]});
  var video = document.getElementById("camera");
  var last = "", lastAt = 0;
  document.getElementById("start-camera").addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream;
      video.play();
      statusLine.textContent = root.dataset.msgCamera;
      function tick() {
        detector.detect(video).then(function (codes) {
          var now = Date.now();
          if (codes.length && (codes[0].rawValue !== last || now - lastAt > 3000)) {
            last = codes[0].rawValue;
            lastAt = now;
            send(last);
          }
        }).finally(function () { window.setTimeout(tick, 250); });
      }
      tick();
    }).catch(function () { statusLine.textContent = root.dataset.msgNocamera; });
  });
})();
