// forms.js: forms that send JSON to the API and show what it refused next
// to the fields it names, in the viewer's language.
//
// The API answers a bad request with {"error", "fields": [{"field",
// "reason"}]}, every wrong field at once, reasons in English. The page
// carries its messages and the rules that match the API's reasons
// (web/console/reasons.go) in #alo-strings; a reason no rule knows is
// shown as the API wrote it, rather than not at all.

/** ApiError is a refused request: its status and the API's error body. */
export class ApiError extends Error {
  constructor(status, error, fields) {
    super(error || String(status));
    this.status = status;
    this.error = error || "";
    this.fields = fields || [];
  }
}

export class Forms {
  /** @param {HTMLElement} root the page's element, with data-api */
  constructor(root) {
    const data = JSON.parse(document.getElementById("alo-strings").textContent);
    this.strings = data.strings || {};
    this.rules = (data.reasons || []).map((r) => ({ field: new RegExp(r.field), reason: new RegExp(r.reason), key: r.key }));
    this.api = root.dataset.api;
    for (const b of root.querySelectorAll("button[data-toggle]")) {
      b.addEventListener("click", () => this.toggle(b));
    }
    // A reload after a change says what it did: that message gets the focus,
    // so a screen reader reads it and Tab goes on from the top.
    const done = root.querySelector(".message[data-kind=ok]");
    if (done) done.focus();
  }

  /** t is the message key with %s / %d filled by args in order. */
  t(key, ...args) {
    let s = this.strings[key] ?? key;
    for (const a of args) s = s.replace(/%[sd]/, String(a));
    return s;
  }

  /** reason says the API's reason for field in the viewer's language. */
  reason(field, reason) {
    for (const r of this.rules) {
      if (!r.field.test(field)) continue;
      const m = r.reason.exec(reason);
      if (m) return this.t(r.key, ...m.slice(1));
    }
    return reason;
  }

  /** send makes one API request and returns the answer's JSON (or null). */
  async send(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(this.api + path, init);
    } catch {
      throw new ApiError(0, "", []);
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      // 204, or a body that is not JSON: the status says enough.
    }
    if (!res.ok) throw new ApiError(res.status, data && data.error, data && data.fields);
    return data;
  }

  /**
   * submit runs request for form: the form's old errors go, its buttons
   * wait, and a refusal is shown on the form. ok gets the answer.
   * conflictField names the field a 409 is about (a taken name).
   */
  async submit(form, request, ok, conflictField) {
    this.clear(form);
    const buttons = [...form.querySelectorAll("button")];
    for (const b of buttons) b.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      ok(await request());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 409 && conflictField) err.fields = [{ field: conflictField, reason: err.error }];
      this.show(form, err);
    } finally {
      for (const b of buttons) b.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  /**
   * act runs request for a button outside a form: the button waits, a
   * refusal is said in msg (and the focus goes back to the button), ok
   * gets the answer.
   */
  async act(button, msg, request, ok) {
    msg.hidden = true;
    button.disabled = true;
    try {
      ok(await request());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      msg.textContent = "⚠ " + this.general(err);
      msg.hidden = false;
      button.disabled = false;
      button.focus();
    }
  }

  /** clear removes every error shown on form. */
  clear(form) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const el of form.querySelectorAll(".field-error")) {
      el.hidden = true;
      el.replaceChildren();
    }
    const top = form.querySelector(".form-error");
    if (top) {
      top.hidden = true;
      top.textContent = "";
    }
  }

  /**
   * show puts each field error next to its field (fields may carry a
   * ready text instead of the API's reason), says at the top that some
   * fields need a look, and moves the focus to the first of them. An
   * error without fields is said at the top.
   */
  show(form, err) {
    const top = form.querySelector(".form-error");
    let first = null;
    const loose = [];
    for (const f of err.fields) {
      const text = f.text ?? this.reason(f.field, f.reason);
      const control = this.place(form, f.field, text);
      if (control) first = first || control;
      else loose.push(f.field ? `${f.field}: ${text}` : text);
    }
    const lines = err.fields.length ? [this.t("forms.err.summary"), ...loose] : [this.general(err)];
    top.replaceChildren(...lines.flatMap((l, i) => (i ? [document.createElement("br"), l] : ["⚠ " + l])));
    top.hidden = false;
    const target = first || top;
    if (target === top) top.tabIndex = -1;
    (target.matches("fieldset") ? target.querySelector("input") || top : target).focus();
  }

  /**
   * place shows text under the control of field (client_ids[2] is the
   * clients' group) and returns that control, or null when the form has
   * no such field on show.
   */
  place(form, field, text) {
    const base = field.replace(/\[\d+\]$/, "");
    const control = base && form.querySelector(`[data-field="${CSS.escape(base)}"]`);
    if (!control || control.closest("[hidden]")) return null;
    const box = control.closest(".field") || control.parentElement;
    const el = box.querySelector(".field-error");
    if (!el) return null;
    if (el.childNodes.length) el.append(document.createElement("br"));
    el.append("⚠ " + text);
    el.hidden = false;
    control.setAttribute("aria-invalid", "true");
    const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!ids.includes(el.id)) control.setAttribute("aria-describedby", [...ids, el.id].join(" "));
    return control;
  }

  /** general says an error that names no field. */
  general(err) {
    switch (err.status) {
      case 0: return this.t("forms.err.network");
      case 401: return this.t("forms.err.signed_out");
      case 403: return this.t("forms.err.forbidden");
      case 404: return this.t("forms.err.gone");
      case 429: return this.t("forms.err.throttled");
      case 503: return this.t("forms.err.unavailable");
    }
    return this.t("forms.err.failed", err.error || err.status);
  }

  /** toggle shows or hides the password of the input b controls. */
  toggle(b) {
    const input = document.getElementById(b.dataset.toggle);
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    b.setAttribute("aria-pressed", String(show));
  }
}
