// The home app in the browser: live updates over server-sent events, device controls
// that show "pending" until the device answers, QR scanning (history charts: charts.js).
(() => {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  const REASONS = {
    unknown: "it has no such setting",
    not_writable: "this value cannot be changed",
    not_readable: "this value cannot be read",
    wrong_type: "the value has the wrong type",
    not_integer: "it takes whole numbers only",
    out_of_range: "the value is out of its range",
    off_step: "the value is between its steps",
    not_in_list: "the value is not one of its choices",
    too_long: "the text is too long",
    bad_arguments: "the inputs do not match",
    busy: "it is busy right now",
    device_error: "something went wrong on the device",
  };

  // What a person reads when a command does not go through, by the API's error code. The
  // API's own detail speaks to programs (it names its options); the page speaks to people.
  const FAILURES = {
    device_offline: "The device is offline, so nothing was sent. Try again once it reconnects.",
    command_timed_out: "The device did not answer in time. It may still carry it out.",
    device_error: "hearth could not reach the device. Try again in a moment.",
    broker_unavailable: "hearth cannot reach devices right now. Try again in a moment.",
    broker_error: "hearth cannot reach devices right now. Try again in a moment.",
    broker_timeout: "hearth cannot reach devices right now. Try again in a moment.",
    not_found: "This device is no longer in this home. Reload the page.",
    permission_denied: "You may not control this device.",
    not_authenticated: "You are signed out. Sign in again to control your devices.",
  };

  const sentence = (words) => `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;

  function refusal(result) {
    const codes = [];
    for (const part of Object.values(result?.results || {})) {
      if (part.code && part.code !== "ok") codes.push(part.code);
    }
    if (!codes.length && result?.code && result.code !== "ok") codes.push(result.code);
    const words = [...new Set(codes.map((c) => REASONS[c] || "something went wrong on the device"))];
    return `The device said no: ${words.join("; ") || "it gave no reason"}.`;
  }

  // Send a command and wait for the device's answer; return {ok, text, answer}.
  async function send(deviceId, body) {
    let response;
    try {
      response = await fetch(`/api/v1/devices/${deviceId}/commands`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ timeout: 5, ...body }),
      });
    } catch {
      return { ok: false, text: "Could not reach hearth. Check your connection and try again." };
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.status === "succeeded") return { ok: true, text: "Done: the device confirmed it.", answer };
    if (response.ok && answer.status === "failed") return { ok: false, text: refusal(answer.result), answer };
    if (answer.reason && REASONS[answer.reason]) return { ok: false, text: sentence(`Not sent: ${REASONS[answer.reason]}`), answer };
    const text = FAILURES[answer.error] || (response.status >= 500
      ? "Something went wrong in hearth. Try again in a moment."
      : "hearth could not send this. Reload the page and try again.");
    return { ok: false, text, answer };
  }

  // --- the home's time zone: times written live read like those the page came with -----
  const WHEN = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  function homeTime(iso, options = WHEN) {
    const zone = $("[data-time-zone]")?.dataset.timeZone;
    const moment = new Date(iso);
    try {
      return new Intl.DateTimeFormat(navigator.language, { ...options, timeZone: zone || undefined }).format(moment);
    } catch {
      return new Intl.DateTimeFormat(navigator.language, options).format(moment);
    }
  }

  function setStatus(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.className = el.className.replace(/\b(ok|bad|pending)\b/g, "").trim() + (kind ? ` ${kind}` : "");
  }

  // --- device cards: one-tap power -------------------------------------------------
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-power]");
    if (!button || button.classList.contains("pending")) return;
    const card = button.closest(".device-card");
    const status = card && $("[data-status]", card);
    const target = button.getAttribute("aria-pressed") !== "true";
    const was = { pressed: button.getAttribute("aria-pressed"), unknown: button.classList.contains("is-unknown") };
    button.classList.add("pending");
    button.setAttribute("aria-busy", "true");
    setStatus(status, "Pending…", "pending");
    const outcome = await send(button.dataset.device, { kind: "set", props: { [button.dataset.key]: target } });
    button.classList.remove("pending");
    button.removeAttribute("aria-busy");
    if (outcome.ok) {
      setPower(card, target);
      setStatus(status, target ? "Turned on" : "Turned off", "ok");
      setTimeout(() => status && status.textContent.startsWith("Turned") && setStatus(status, "", ""), 2500);
    } else {
      // Back to what the device last confirmed: the tap did not change it.
      button.setAttribute("aria-pressed", was.pressed);
      button.classList.toggle("is-unknown", was.unknown);
      card.classList.toggle("is-on", was.pressed === "true");
      setStatus(status, outcome.text, "bad");
    }
  });

  function setPower(card, on) {
    if (!card) return;
    const button = $("[data-power]", card);
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.remove("is-unknown");
    }
    card.classList.toggle("is-on", !!on);
  }

  // --- device page: controls -------------------------------------------------------
  function readValue(form) {
    const input = $("[data-input]", form);
    const hint = form.dataset.hint;
    if (hint === "toggle") return input.checked;
    if (hint === "select") return JSON.parse(input.value);
    if (hint === "color") return parseInt(input.value.slice(1), 16);
    if (form.hasAttribute("data-numeric")) {
      if (input.value.trim() === "") return null;
      return form.hasAttribute("data-integer") ? parseInt(input.value, 10) : parseFloat(input.value);
    }
    return input.value;
  }

  // A control the device has not told its value: drawn as unknown, not as off or minimum.
  function markKnown(form, known) {
    form.toggleAttribute("data-unknown", !known);
    for (const note of $$("[data-unknown-note]", form)) note.hidden = known;
    const option = $("[data-unknown-option]", form);
    if (option) option.hidden = known;
  }

  function remember(form) {
    const input = $("[data-input]", form);
    if (!input) return;
    input.dataset.confirmed = input.type === "checkbox" ? String(input.checked) : input.value;
    form.dataset.confirmedKnown = form.hasAttribute("data-unknown") ? "no" : "yes";
  }

  // Put a control back to the value the device last confirmed (after a refusal or failure).
  function restore(form) {
    const input = $("[data-input]", form);
    if (!input || input.dataset.confirmed === undefined) return;
    if (input.type === "checkbox") input.checked = input.dataset.confirmed === "true";
    else input.value = input.dataset.confirmed;
    markKnown(form, form.dataset.confirmedKnown !== "no");
    const output = $("[data-output]", form);
    if (output && output.dataset.confirmedLabel) {
      output.textContent = output.dataset.confirmedLabel;
      input.setAttribute("aria-valuetext", output.dataset.confirmedLabel);
    }
  }

  async function submitControl(form) {
    const status = $("[data-status]", form);
    const value = readValue(form);
    if (value === null || Number.isNaN(value)) {
      setStatus(status, "Enter a value first.", "bad");
      return;
    }
    markKnown(form, true);  // what the person chose is drawn while it is pending
    form.classList.add("pending");
    form.setAttribute("aria-busy", "true");
    setStatus(status, "Pending — waiting for the device…", "pending");
    const outcome = await send(form.dataset.device, { kind: "set", props: { [form.dataset.key]: value } });
    form.classList.remove("pending");
    form.removeAttribute("aria-busy");
    if (outcome.ok) {
      remember(form);
      const output = $("[data-output]", form);
      if (output) output.dataset.confirmedLabel = output.textContent;
      setStatus(status, output ? `Confirmed: ${output.textContent}` : "Confirmed by the device.", "ok");
    } else {
      restore(form);
      setStatus(status, outcome.text, "bad");
    }
  }

  function initControls() {
    for (const form of $$("[data-control]")) {
      remember(form);
      const input = $("[data-input]", form);
      const output = $("[data-output]", form);
      if (output) output.dataset.confirmedLabel = output.textContent;
      const hint = form.dataset.hint;
      if (hint === "slider") {
        input.addEventListener("input", () => {
          const label = `${input.value}${input.dataset.unit ? " " + input.dataset.unit : ""}`;
          output.textContent = label;
          input.setAttribute("aria-valuetext", label);
        });
      }
      if (["toggle", "slider", "select", "color"].includes(hint)) {
        input.addEventListener("change", () => submitControl(form));
      }
      form.addEventListener("submit", (event) => { event.preventDefault(); submitControl(form); });
    }
    for (const form of $$("[data-action]")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const status = $("[data-status]", form);
        const args = {};
        for (const input of $$("[data-arg]", form)) {
          let value = input.value;
          if (input.hasAttribute("data-bool")) value = input.checked;
          else if (input.tagName === "SELECT") value = JSON.parse(value);
          else if (input.hasAttribute("data-numeric")) value = input.hasAttribute("data-integer") ? parseInt(value, 10) : parseFloat(value);
          args[input.dataset.arg] = value;
        }
        setStatus(status, "Pending — waiting for the device…", "pending");
        const outcome = await send(form.dataset.device, { kind: "action", action: form.dataset.key, args });
        setStatus(status, outcome.ok ? "Done: the device confirmed it." : outcome.text, outcome.ok ? "ok" : "bad");
      });
    }
  }

  // --- live updates -----------------------------------------------------------------
  function showState(data) {
    for (const card of $$(`.device-card[data-device="${data.device_id}"]`)) {
      if (data.card) {
        const state = $("[data-state]", card);
        state.textContent = data.card.state || "Not known yet";
        state.classList.toggle("unknown", !data.card.state);
        if (data.card.switch_on !== null && data.card.switch_on !== undefined) setPower(card, data.card.switch_on);
      }
    }
    const page = $(`[data-device-page="${data.device_id}"]`);
    if (!page) return;
    for (const [key, value] of Object.entries(data.changed)) {
      const label = data.labels[key] ?? String(value);
      for (const row of $$(`[data-key="${key}"]`, page)) {
        if (row.matches(".readonly")) {
          const shown = $("[data-value]", row);
          shown.textContent = label;
          shown.classList.remove("unknown");
          continue;
        }
        if (!row.matches("[data-control]") || row.classList.contains("pending")) continue;
        const input = $("[data-input]", row);
        const typing = ["number", "text"].includes(row.dataset.hint);
        if (typing && input === document.activeElement) continue;  // never under the user's fingers
        if (row.dataset.hint === "toggle") input.checked = !!value;
        else if (row.dataset.hint === "select") input.value = JSON.stringify(value);
        else if (row.dataset.hint === "color") input.value = "#" + Number(value).toString(16).padStart(6, "0");
        else input.value = value;
        const output = $("[data-output]", row);
        const status = $("[data-status]", row);
        if (output && output.dataset.confirmedLabel !== label && status?.classList.contains("ok")) {
          setStatus(status, "", "");  // a newer value than the one confirmed: it speaks now
        }
        if (output) { output.textContent = label; output.dataset.confirmedLabel = label; input.setAttribute("aria-valuetext", label); }
        markKnown(row, true);
        remember(row);
      }
    }
    document.dispatchEvent(new CustomEvent("hearth:state", { detail: data }));  // charts.js
  }

  // Offline: controls are disabled and say why, with the moment it went (in the home's zone).
  function showAvailability(data) {
    const since = data.at ? `Offline since ${homeTime(data.at)}` : "Offline";
    for (const card of $$(`.device-card[data-device="${data.device_id}"]`)) {
      card.classList.toggle("is-offline", !data.online);
      const badge = $("[data-offline]", card);
      badge.hidden = data.online;
      if (!data.online) badge.textContent = since;
      const power = $("[data-power]", card);
      if (power) {
        power.disabled = !data.online;
        if (data.online) power.removeAttribute("aria-describedby");
        else power.setAttribute("aria-describedby", badge.id);
      }
    }
    const page = $(`[data-device-page="${data.device_id}"]`);
    if (page) {
      $("[data-offline]", page).hidden = data.online;
      $("[data-online]", page).hidden = !data.online;
      const reason = $("[data-offline-reason]", page);
      if (reason) {
        reason.hidden = data.online;
        if (!data.online) {
          $("[data-offline-since]", reason).textContent = data.at ? `${since}.` : "Offline: it has not connected yet.";
          $("[data-offline-then]", reason).textContent = `Its controls come back when it ${data.at ? "reconnects" : "connects"}.`;
        }
      }
      const controls = $("[data-controls]", page);
      if (controls) {
        controls.disabled = !data.online;
        if (data.online) controls.removeAttribute("aria-describedby");
        else controls.setAttribute("aria-describedby", "offline-reason");
      }
    }
  }

  function showEvent(data) {
    const page = $(`[data-device-page="${data.device_id}"]`);
    const list = page && $("[data-events]", page);
    if (!list) return;
    $("[data-no-events]", list)?.remove();
    const item = document.createElement("li");
    item.innerHTML = `<span></span><time class="muted small"></time>`;
    item.firstChild.textContent = data.label;
    item.lastChild.textContent = homeTime(data.at, { ...WHEN, second: "2-digit" });
    item.lastChild.dateTime = data.at;
    list.prepend(item);
    while (list.children.length > 10) list.lastChild.remove();
    document.dispatchEvent(new CustomEvent("hearth:device-event", { detail: data }));  // charts.js
  }

  async function refreshCards() {
    const holder = $("#cards");
    if (!holder) return;
    const response = await fetch(holder.dataset.cardsUrl, { headers: { Accept: "text/html" } });
    if (response.ok) holder.innerHTML = await response.text();
  }

  function connect(homeId) {
    const status = $("[data-live-status]");
    // A device's page asks for all that is known of its device first, on every (re)connect.
    const device = $("[data-device-page]")?.dataset.devicePage;
    const query = device ? `?device=${encodeURIComponent(device)}` : "";
    const source = new EventSource(`/api/v1/homes/${homeId}/live${query}`);
    // On every (re)connect the cards are fetched again: whatever changed between the page's
    // rendering (or the lost connection) and the stream's opening is shown, then followed.
    // Events that arrive while the cards are fetched wait for them, then apply in order.
    let catchingUp = Promise.resolve();
    const on = (name, handler) => source.addEventListener(name, (e) => {
      const data = JSON.parse(e.data);
      catchingUp = catchingUp.then(() => handler(data)).catch((error) => console.error(error));
    });
    on("ready", async () => {
      try {
        await refreshCards();
      } finally {
        if (status) status.textContent = "Live";
        document.body.dataset.live = "ready";
      }
    });
    on("state", showState);
    on("availability", showAvailability);
    on("device-event", showEvent);
    on("home", (data) => { if (data.what !== "members") refreshCards(); });
    on("closed", () => { source.close(); window.location.assign("/"); });
    source.onerror = () => { if (status) status.textContent = "Reconnecting…"; document.body.dataset.live = "lost"; };
  }

  // --- QR scanning where the browser can ---------------------------------------------
  function initScan() {
    const scan = $("[data-scan]");
    if (!scan || !("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return;
    scan.hidden = false;
    const video = $("[data-scan-video]", scan);
    const note = $("[data-scan-note]", scan);
    $("[data-scan-start]", scan).addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      } catch {
        note.textContent = "No camera access: type the code instead.";
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      note.textContent = "Point the camera at the QR code on the device's label.";
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const timer = setInterval(async () => {
        const found = await detector.detect(video).catch(() => []);
        if (!found.length) return;
        const text = found[0].rawValue;
        const code = text.startsWith("hearth://") ? new URL(text.replace("hearth://", "https://x/")).searchParams.get("code") : text;
        $("#pairing-code").value = code || text;
        note.textContent = "Code read from the QR code.";
        clearInterval(timer);
        stream.getTracks().forEach((t) => t.stop());
        video.hidden = true;
      }, 300);
    });
  }

  // --- small page helpers -----------------------------------------------------------
  document.addEventListener("change", (event) => {
    const go = event.target.closest("select[data-go]");
    if (go) window.location.assign(go.value);
  });
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset?.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("focusin", (event) => { if (event.target.matches("[data-select-all]")) event.target.select(); });

  // --- invitation links: copy, or share where the browser can -------------------------
  function initShare() {
    for (const button of $$("[data-share]")) {
      if (!navigator.share) continue;
      button.hidden = false;
      button.addEventListener("click", () => {
        const url = document.getElementById(button.dataset.share).value;
        navigator.share({ title: button.dataset.shareTitle, url }).catch(() => {});
      });
    }
    for (const button of $$("[data-copy]")) {
      button.addEventListener("click", async () => {
        const field = document.getElementById(button.dataset.copy);
        const note = $("[data-copy-note]", button.parentElement);
        try {
          await navigator.clipboard.writeText(field.value);
          if (note) note.textContent = "Copied. Send it to the person you invite.";
        } catch {
          field.focus();
          field.select();
          if (note) note.textContent = "Copying was not allowed: the link is selected, copy it yourself.";
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const live = $("[data-live-home]");
    if (live) connect(live.dataset.liveHome);
    initControls();
    initScan();
    initShare();
  });
})();
