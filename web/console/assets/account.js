// account.js: a person's own page. Password, language and zone, and
// signing out everywhere, each one JSON request to the API.

import { Forms, ApiError } from "./forms.js";

const root = document.getElementById("account");
if (root) main(root);

function main(root) {
  const f = new Forms(root);
  const $ = (id) => document.getElementById(id);
  const min = Number(root.dataset.minPassword) || 0;

  $("password-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const oldPW = $("old-password").value;
    const newPW = $("new-password").value;
    const repeat = $("repeat-password").value;
    // What the page can tell alone, all at once; the API says the rest
    // (the old password, and its own rules for the new one).
    const bad = [];
    const required = (field) => bad.push({ field, text: f.t("forms.err.required") });
    if (!oldPW) required("old_password");
    if (!newPW) required("new_password");
    else if (min && [...newPW].length < min) bad.push({ field: "new_password", text: f.t("forms.err.password_short", min) });
    if (newPW && repeat !== newPW) bad.push({ field: "repeat_password", text: f.t("forms.err.repeat") });
    if (bad.length) {
      f.clear(form);
      f.show(form, new ApiError(400, "", bad));
      return;
    }
    f.submit(form, () => f.send("POST", "/session/password", { old_password: oldPW, new_password: newPW }),
      () => location.assign("/account?done=password"));
  });

  // The profile is saved by the API; then the language switch sets this
  // browser's language cookie (it outranks the profile) and comes back.
  $("profile-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const language = $("my-language").value;
    const body = { language, time_zone: $("my-zone").value.trim() };
    f.submit(form, () => f.send("PATCH", "/session/profile", body), () => {
      const lf = $("language-form");
      lf.elements.lang.value = language;
      lf.submit();
    });
  });

  $("signout-everywhere").addEventListener("click", (ev) => {
    f.act(ev.currentTarget, $("sessions-error"), () => f.send("DELETE", "/sessions"), () => location.assign("/signin"));
  });
}
