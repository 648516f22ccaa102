// Counts down to the close of a consultation's comment window, on the
// draft's page (/consultations/{slug}), and closes its forms when the time
// is up, without reloading the page.
//
// The page gives the seconds left as the server counted them
// (data-seconds-left on #countdown), the units in the page's language
// (data-units: day, hour, minute, second), the words to show once closed
// (data-closed) and the phase the consultation then moves into
// (data-closed-phase). The count runs on the browser's clock from the
// moment the page loaded, so a browser whose clock is wrong still closes
// on time. At zero every form marked data-window-form has its buttons,
// inputs and selects disabled; a textarea becomes read-only, so that what
// was typed can still be copied. The server refuses a comment after the
// close anyway: this script only spares people typing into a closed form.
(function () {
  "use strict";
  var box = document.getElementById("countdown");
  if (!box) {
    return;
  }
  var left = parseInt(box.getAttribute("data-seconds-left"), 10);
  if (isNaN(left)) {
    return;
  }
  var units = (box.getAttribute("data-units") || "").split(/\s+/);
  if (units.length !== 4) {
    units = ["d", "h", "min", "s"];
  }
  var value = box.querySelector(".countdown-value");
  var end = Date.now() + Math.max(left, 0) * 1000;
  var timer = null;

  // format says a time left as the server does (countdownText in
  // internal/webui/consultpublic.go).
  function format(secs) {
    var d = Math.floor(secs / 86400);
    var h = Math.floor((secs % 86400) / 3600);
    var m = Math.floor((secs % 3600) / 60);
    var s = secs % 60;
    function part(n, u) { return n + " " + u; }
    if (d > 0) {
      return [part(d, units[0]), part(h, units[1]), part(m, units[2])].join(" ");
    }
    if (h > 0) {
      return [part(h, units[1]), part(m, units[2]), part(s, units[3])].join(" ");
    }
    if (m > 0) {
      return [part(m, units[2]), part(s, units[3])].join(" ");
    }
    return part(s, units[3]);
  }

  function close() {
    var closed = box.getAttribute("data-closed") || "";
    box.classList.add("closed");
    box.textContent = closed;
    var card = box.closest(".consult-status");
    if (card) {
      card.classList.remove("state-open");
      card.classList.add("state-closed");
    }
    var phase = document.querySelector(".consult-head .phase");
    var phaseLabel = box.getAttribute("data-closed-phase");
    if (phase && phaseLabel) {
      phase.className = "phase consult-phase-replying";
      phase.textContent = phaseLabel;
    }
    var forms = document.querySelectorAll("[data-window-form]");
    for (var i = 0; i < forms.length; i++) {
      var controls = forms[i].querySelectorAll("button, input, select, textarea");
      for (var j = 0; j < controls.length; j++) {
        var c = controls[j];
        if (c.tagName === "TEXTAREA") {
          c.readOnly = true;
        } else {
          c.disabled = true;
        }
      }
      forms[i].classList.add("window-closed");
    }
    var status = document.getElementById("window-status");
    if (status) {
      status.className = "window-status notice";
      status.textContent = closed;
    }
    var go = document.querySelectorAll(".consult-status .consult-actions, .section-actions");
    for (var k = 0; k < go.length; k++) {
      go[k].hidden = true;
    }
  }

  function tick() {
    var secs = Math.ceil((end - Date.now()) / 1000);
    if (secs <= 0) {
      if (timer !== null) {
        clearInterval(timer);
      }
      close();
      return false;
    }
    if (value) {
      value.textContent = format(secs);
    }
    return true;
  }

  if (tick()) {
    timer = setInterval(tick, 1000);
  }
})();
