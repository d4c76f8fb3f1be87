// agent.js: the agent console. Everything it shows comes from the live
// stream (a snapshot, then events; shapes in web/console/view.go), and
// every action is a JSON request to the API; the page keeps no state the
// server does not have. Its one timer only redraws counters, computed from
// server timestamps, so a throttled hidden tab is right again the moment
// it is looked at.

import { Live } from "./live.js";
import { duration, dateTime, clockTime, fromLocalInput, toLocalInput } from "./time.js";

const root = document.getElementById("agent");
if (root) main(root);

function main(root) {
  const strings = JSON.parse(document.getElementById("alo-strings").textContent);
  const t = (key, ...args) => {
    let s = strings[key] ?? key;
    for (const a of args) s = s.replace(/%[sd]/, String(a));
    return s;
  };
  // label is the message for key, or fallback when there is none (a code
  // newer than this page's catalog).
  const label = (key, fallback) => strings[key] ?? fallback;
  const $ = (id) => document.getElementById(id);
  const agentID = Number(root.dataset.agentId);
  const api = root.dataset.api;
  const lang = root.dataset.lang;
  const zone = root.dataset.zone;

  const model = { agent: null, reasons: [], call: null, day: null, disposing: false, callbacks: [], offer: null };
  const live = new Live(root.dataset.events, (status) => {
    const el = $("live-status");
    el.dataset.live = status;
    el.textContent = t({ connecting: "live.connecting", open: "live.live", reconnecting: "live.reconnecting", closed: "live.closed" }[status]);
  });

  // --- the stream ---------------------------------------------------------
  live.on("snapshot", (v) => {
    model.agent = v.agent;
    model.reasons = v.pause_reasons || [];
    model.call = v.call || null;
    model.day = v.day || null;
    model.offer = v.offer || null;
    renderReasons();
    renderAgent();
    renderCall();
    renderOffer();
    renderDay();
    loadCallbacks();
  });
  live.on("agent.state", (a) => {
    if (a.id !== agentID) return;
    model.agent = a;
    renderAgent();
  });
  live.on("call.bridged", (c) => {
    model.call = c;
    model.offer = null;
    $("offer").hidden = true;
    message("");
    renderCall();
    renderAgent();
  });
  // A preview offer: the contact before anything is dialed. The server's
  // timer acts at the deadline; the page only shows the time left.
  live.on("call.offered", (o) => {
    if (o.agent_id !== agentID || !o.offer_id) return;
    if (o.closed) {
      if (model.offer && model.offer.offer_id === o.offer_id) model.offer = null;
    } else {
      model.offer = o;
      message("");
    }
    renderOffer();
  });
  live.on("call.ended", (e) => {
    if (model.call && model.call.attempt_id === e.attempt_id) {
      model.call.ended_at = e.ended_at;
      renderCall();
    }
  });
  live.on("call.disposed", (e) => {
    if (model.call && model.call.attempt_id === e.attempt_id) {
      model.call = null;
      renderCall();
    }
  });
  live.on("agent.day", (d) => {
    model.day = d;
    renderDay();
    // The day's counts change when a callback is promised or kept: the
    // list is fetched again then, never on a timer.
    loadCallbacks();
  });
  live.start();

  // --- actions ------------------------------------------------------------
  async function send(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(api + path, init);
    let data = null;
    try {
      data = await res.json();
    } catch {
      // A body that is not JSON: the status says enough.
    }
    if (!res.ok) {
      const why = (data && data.error) || `${res.status} ${res.statusText}`;
      const fields = (data && data.fields) || [];
      throw new Error([why, ...fields.map((f) => `${f.field}: ${f.reason}`)].join("; "));
    }
    return data;
  }

  async function loadCallbacks() {
    try {
      const list = await send("GET", `/agents/${agentID}/callbacks?tz=${encodeURIComponent(zone)}`);
      model.callbacks = list || [];
    } catch (err) {
      message(t("agent.callbacks_failed", err.message), "error");
      return;
    }
    renderCallbacks();
  }

  async function act(fn) {
    try {
      await fn();
    } catch (err) {
      message(t("agent.failed", err.message), "error");
    }
  }

  function decideOffer(what) {
    const o = model.offer;
    // One decision per offer: Enter on the focused Call button is both a
    // click and the page's own key.
    if (!o || o.decided) return;
    o.decided = true;
    act(() => send("POST", `/agents/${agentID}/offer/${o.offer_id}/${what}`));
  }
  $("offer-call").addEventListener("click", () => decideOffer("call"));
  $("offer-skip").addEventListener("click", () => decideOffer("skip"));

  $("ready").addEventListener("click", () => act(() => send("POST", `/agents/${agentID}/ready`)));
  $("pause").addEventListener("click", () =>
    act(() => send("POST", `/agents/${agentID}/pause`, { reason: $("pause-reason").value })));
  $("pause-after").addEventListener("change", (ev) =>
    act(() => send("PUT", `/agents/${agentID}/pause-after-call`, {
      pause_after_call: ev.target.checked, reason: $("pause-reason").value,
    })));

  // The call's controls answer with its state (muted, held), which the
  // buttons then show. A hang-up is seen in the call.ended event.
  async function control(path, body) {
    const call = model.call;
    if (!call || call.ended_at) return;
    const cc = await send("POST", `/agents/${agentID}/${path}`, body);
    if (cc && model.call === call && "muted" in cc) {
      call.muted = cc.muted;
      call.held = cc.held;
      message(t(cc.held ? "agent.on_hold" : cc.muted ? "agent.muted" : "agent.resumed"), "ok");
      renderControls();
    }
  }
  $("hangup").addEventListener("click", () => act(() => control("hangup")));
  $("mute").addEventListener("click", () => act(() => control("mute", { on: !(model.call && model.call.muted) })));
  $("hold").addEventListener("click", () => act(() => control("hold", { on: !(model.call && model.call.held) })));

  async function dispose(index) {
    const call = model.call;
    if (!call || model.disposing) return;
    const d = (call.dispositions || [])[index];
    if (!d) return;
    const body = { code: d.code, notes: $("notes").value.trim() };
    const at = $("callback-at").value;
    if (d.meaning === "callback" || d.meaning === "reschedule") {
      if (!at) {
        message(t(d.meaning === "callback" ? "agent.callback_needed" : "agent.appointment_needed"), "error");
        $("callback-at").focus();
        return;
      }
      if (d.meaning === "callback") {
        body.callback_at = fromLocalInput(at, zone);
        body.callback_for = document.querySelector('input[name="callback-for"]:checked').value;
      } else {
        body.appointment_at = fromLocalInput(at, zone);
      }
    }
    model.disposing = true;
    markPressed(index);
    try {
      await send("POST", `/attempts/${call.attempt_id}/disposition`, body);
      if (model.call === call) model.call = null;
      message(t("agent.saved", d.label), "ok");
      renderCall();
    } catch (err) {
      markPressed(-1);
      message(t("agent.failed", err.message), "error");
    } finally {
      model.disposing = false;
    }
  }

  // Shortcuts. Alt+R, Alt+P and Alt+N work everywhere, by the key's place
  // (ev.code), so they are the same on a Russian or Kazakh layout; they
  // are handled here rather than with accesskey, whose modifiers differ
  // from browser to browser. Hot keys 1–9 dispose, but never while the
  // agent types into a field (a "2" in the notes is a 2); Esc leaves a
  // field for the hot keys.
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.repeat) return;
    if (ev.altKey) {
      const shortcut = { KeyR: () => $("ready").click(), KeyP: () => $("pause").click(), KeyN: () => $("notes").focus(),
        KeyH: () => $("hangup").click(), KeyM: () => $("mute").click(), KeyO: () => $("hold").click() }[ev.code];
      if (shortcut) {
        ev.preventDefault();
        shortcut();
      }
      return;
    }
    const el = ev.target;
    const typing = el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || el.isContentEditable ||
      (el instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit"].includes(el.type));
    if (typing) {
      if (ev.key === "Escape") el.blur();
      return;
    }
    if (model.offer && (ev.key === "Enter" || ev.key === "Escape")) {
      ev.preventDefault();
      decideOffer(ev.key === "Enter" ? "call" : "skip");
      return;
    }
    if (ev.key >= "1" && ev.key <= "9" && model.call) {
      ev.preventDefault();
      dispose(Number(ev.key) - 1);
    }
  });

  // --- rendering ----------------------------------------------------------
  function message(text, kind) {
    const el = $("message");
    el.textContent = text;
    el.dataset.kind = kind || "";
  }

  function renderReasons() {
    const sel = $("pause-reason");
    const keep = sel.value;
    sel.replaceChildren(...model.reasons.map((r) => new Option(reasonLabel(r.code), r.code)));
    if (keep) sel.value = keep;
  }

  // A pause code's label: this page's catalog for the usual codes, else
  // the server's label, else the code.
  function reasonLabel(code) {
    const r = model.reasons.find((x) => x.code === code);
    return label("pause." + code, r ? r.label : code || "");
  }

  function renderAgent() {
    const a = model.agent;
    if (!a) return;
    const s = a.state || "offline";
    $("state").dataset.state = s;
    $("state-label").textContent = t("state." + s);
    $("state-reason").textContent = s === "paused" ? reasonLabel(a.pause_reason) : "";
    $("ready").disabled = !["paused", "offline"].includes(s);
    $("pause").disabled = s !== "ready";
    $("pause-reason").disabled = model.reasons.length === 0;
    const busy = ["reserved", "on_call", "wrap_up"].includes(s);
    $("pause-after").disabled = !busy;
    $("pause-after").checked = !!a.pause_after_call;
    if (a.pause_after_call && a.pause_after_call_reason) $("pause-reason").value = a.pause_after_call_reason;
    if (!model.call) {
      $("pop-waiting-text").textContent = t(s === "paused" || s === "offline" ? "agent.waiting_paused"
        : s === "phone_down" ? "agent.waiting_phone" : "agent.waiting");
    }
    tick();
  }

  function renderCall() {
    const c = model.call;
    $("pop-waiting").hidden = !!c || !!model.offer;
    $("pop-call").hidden = !c;
    for (const id of ["notes", "callback-at"]) $(id).disabled = !c;
    for (const r of document.querySelectorAll('input[name="callback-for"]')) r.disabled = !c;
    const list = $("dispositions");
    if (!c) {
      list.replaceChildren();
      $("dispo-hint").textContent = t("agent.dispo_none");
      $("notes").value = "";
      $("callback-at").value = "";
      $("hung-up").hidden = true;
      $("wrapup").hidden = true;
      renderAgent();
      return;
    }
    const ct = c.contact || {};
    $("contact-name").textContent = ct.name || ct.phone || "";
    $("contact-phone").textContent = ct.phone || "";
    $("campaign-name").textContent = c.campaign_name || "";
    $("local-time-row").hidden = !ct.time_zone;
    $("hung-up").hidden = !c.ended_at;
    renderControls();

    const fields = $("fields");
    // The fields alo adds (an appointment, the CRM's number) are named in
    // the catalog; a campaign's own fields by their label, else their key
    // as words (a file's "card_last4" column reads "Card last4").
    const rows = (ct.fields || []).flatMap((f) => [el("dt", label("field." + f.key, f.label || keyWords(f.key))), el("dd", f.value)]);
    fields.replaceChildren(...(rows.length ? rows : [el("dd", t("agent.no_fields"))]));

    renderScript(c, ct);

    const tbody = $("history").tBodies[0];
    const hist = c.history || [];
    tbody.replaceChildren(...hist.map((h) => {
      const tr = document.createElement("tr");
      tr.append(el("td", dateTime(h.at, lang, zone)), el("td", h.outcome ? label("outcome." + h.outcome, h.outcome) : ""), el("td", h.disposition || ""),
        el("td", h.agent || ""), el("td", h.notes || ""));
      return tr;
    }));
    $("history").hidden = hist.length === 0;
    $("history-empty").hidden = hist.length > 0;

    $("dispo-hint").textContent = t("agent.dispo_hint");
    list.replaceChildren(...(c.dispositions || []).slice(0, 9).map((d, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.code = d.code;
      b.setAttribute("aria-keyshortcuts", String(i + 1));
      b.append(el("kbd", String(i + 1)), el("span", d.label || d.code));
      b.addEventListener("click", () => dispose(i));
      const li = document.createElement("li");
      li.append(b);
      return li;
    }));
    $("callback-at").min = toLocalInput(live.now(), zone);
    tick();
  }

  function renderOffer() {
    const o = model.offer;
    $("offer").hidden = !o;
    if (!o) {
      renderCall();
      return;
    }
    $("pop-waiting").hidden = true;
    $("pop-call").hidden = true;
    const ct = o.contact || {};
    $("offer-name").textContent = ct.name || ct.phone || "";
    $("offer-phone").textContent = ct.phone || "";
    $("offer-campaign").textContent = o.campaign_name || "";
    $("offer-countdown-label").textContent = t(o.at_zero === "skip" ? "agent.offer_skips_in" : "agent.offer_calls_in");
    const rows = (ct.fields || []).flatMap((f) => [el("dt", label("field." + f.key, f.label || keyWords(f.key))), el("dd", f.value)]);
    $("offer-fields").replaceChildren(...(rows.length ? rows : [el("dd", t("agent.no_fields"))]));
    renderScript(o, ct, "offer-script");
    $("offer-call").focus();
    tick();
  }

  // The script is text: placeholders become <mark>ed text nodes, never
  // markup, so nothing in a contact's fields can inject HTML.
  function renderScript(c, ct, target = "script") {
    const values = { name: ct.name, phone: ct.phone, campaign_name: c.campaign_name, agent_name: model.agent && model.agent.name };
    for (const f of ct.fields || []) values[f.key] = f.value;
    const out = [];
    const src = c.script || "";
    const re = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
    let last = 0;
    for (let m; (m = re.exec(src)) !== null; last = re.lastIndex) {
      out.push(document.createTextNode(src.slice(last, m.index)));
      const v = values[m[1]];
      if (v) {
        out.push(el("mark", v));
      } else {
        const miss = el("span", `[${m[1]}]`);
        miss.className = "missing";
        out.push(miss);
      }
    }
    out.push(document.createTextNode(src.slice(last)));
    $(target).replaceChildren(...(src ? out : [el("p", t("agent.no_script"))]));
  }

  function renderDay() {
    const d = model.day;
    if (!d) return;
    $("day-calls").textContent = d.calls;
    $("day-successes").textContent = d.successes;
    $("day-callbacks-set").textContent = d.callbacks_set;
    $("day-callbacks-due").textContent = d.callbacks_due;
    $("day-talk").textContent = duration(d.talk_ms);
    $("day-pause").textContent = duration(d.pause_ms);
  }

  function renderControls() {
    const c = model.call;
    const on = !!c && !c.ended_at;
    for (const id of ["hangup", "mute", "hold"]) $(id).disabled = !on;
    $("mute").setAttribute("aria-pressed", String(on && !!c.muted));
    $("hold").setAttribute("aria-pressed", String(on && !!c.held));
    $("mute").textContent = t(on && c.muted ? "agent.unmute" : "agent.mute");
    $("hold").textContent = t(on && c.held ? "agent.resume" : "agent.hold");
  }

  function renderCallbacks() {
    const items = model.callbacks.map((cb) => {
      const li = document.createElement("li");
      li.dataset.at = cb.callback_at;
      const when = el("span", clockTime(Date.parse(cb.callback_at), lang, zone));
      when.className = "clock";
      li.append(when, el("span", " " + (cb.name || cb.phone) + " — " + (cb.campaign_name || "")));
      return li;
    });
    $("callbacks").replaceChildren(...items);
    $("callbacks-empty").hidden = items.length > 0;
    dueCallbacks();
  }

  // A callback is due once the server's now has reached its time; the
  // alert names the earliest of those not yet called back.
  function dueCallbacks() {
    const now = live.now();
    let first = null;
    document.querySelectorAll("#callbacks li").forEach((li, i) => {
      const due = Date.parse(li.dataset.at) <= now;
      li.dataset.due = String(due);
      if (due && !first) first = model.callbacks[i];
    });
    const alert = $("callback-alert");
    alert.hidden = !first;
    alert.textContent = first ? t("agent.callback_due", first.name || first.phone, first.campaign_name || "",
      clockTime(Date.parse(first.callback_at), lang, zone)) : "";
  }

  function markPressed(index) {
    document.querySelectorAll("#dispositions button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === index)));
  }

  function keyWords(key) {
    const words = String(key).replace(/[_.-]+/g, " ").trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function el(tag, text) {
    const e = document.createElement(tag);
    e.textContent = text;
    return e;
  }

  // Display only: every value is "server now minus a server timestamp".
  function tick() {
    const now = live.now();
    const a = model.agent;
    // A zero time (Go's 0001-01-01) means the server does not know: no count.
    const since = a && a.since ? Date.parse(a.since) : NaN;
    dueCallbacks();
    $("state-timer").textContent = since > 0 ? duration(now - since) : "–";
    const c = model.call;
    if (c) {
      const end = c.ended_at ? Date.parse(c.ended_at) : now;
      $("call-timer").textContent = duration(end - Date.parse(c.bridged_at));
      if (c.contact && c.contact.time_zone) $("local-time").textContent = clockTime(now, lang, c.contact.time_zone);
    }
    const o = model.offer;
    if (o && o.deadline) $("offer-countdown").textContent = duration(Math.max(0, Math.ceil((Date.parse(o.deadline) - now) / 1000) * 1000));
    const w = $("wrapup");
    if (a && a.state === "wrap_up" && a.wrap_up_ends_at && c) {
      const left = Date.parse(a.wrap_up_ends_at) - now;
      w.hidden = false;
      w.dataset.over = String(left <= 0);
      w.textContent = left > 0 ? t("agent.wrapup_left", duration(left + 999)) : t("agent.wrapup_over");
    } else {
      w.hidden = true;
    }
  }
  // Due callbacks are re-evaluated in tick: with every event (each
  // renders through it) and when the tab is looked at again.
  setInterval(tick, 1000);
  document.addEventListener("visibilitychange", tick);
}
