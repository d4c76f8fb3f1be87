// users.js: the admin's users page. The list is the server's; this adds,
// changes, resets and unlocks through the JSON API (which checks, applies
// and logs each change) and then reloads the list to show the result.

import { Forms, ApiError } from "./forms.js";

const root = document.getElementById("users");
if (root) main(root);

function main(root) {
  const f = new Forms(root);
  const $ = (id) => document.getElementById(id);
  const field = (form, name) => form.querySelector(`[data-field="${name}"]`);
  const reloaded = (kind, id) => location.assign(`/users?done=${kind}&id=${id}`);

  // The agent field is there only for role agent.
  for (const form of [$("create-form"), $("edit-form")]) {
    field(form, "role").addEventListener("change", () => syncRole(form));
    syncRole(form);
  }
  function syncRole(form) {
    const role = field(form, "role").value;
    for (const el of form.querySelectorAll("[data-for-role]")) el.hidden = el.dataset.forRole !== role;
  }

  // values are the fields both forms have, as the API names them.
  function values(form) {
    const role = field(form, "role").value;
    const agent = field(form, "agent_id").value;
    return {
      role,
      agent_id: role === "agent" && agent ? Number(agent) : 0,
      client_ids: [...form.querySelectorAll('input[name="client_ids"]:checked')].map((b) => Number(b.value)),
      language: field(form, "language").value,
      time_zone: field(form, "time_zone").value.trim(),
    };
  }

  function fill(form, u) {
    field(form, "role").value = u.role;
    field(form, "agent_id").value = u.agent_id ? String(u.agent_id) : "";
    const clients = new Set(u.client_ids || []);
    for (const b of form.querySelectorAll('input[name="client_ids"]')) b.checked = clients.has(Number(b.value));
    field(form, "language").value = u.language || "";
    field(form, "time_zone").value = u.time_zone || "";
    syncRole(form);
  }

  // "Add a user" is a plain link to the form (#new-user), which takes the
  // focus: Tab goes on to the name. Focusing the name from the link's
  // click would let the Enter that followed it submit the empty form.

  $("create-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const body = { name: field(form, "name").value.trim(), password: field(form, "password").value, ...values(form) };
    f.submit(form, () => f.send("POST", "/users", body), (u) => reloaded("created", u.id), "name");
  });

  // --- the rows' actions ----------------------------------------------------
  let current = null; // the user a dialog is about
  let opener = null; // the button that opened it, which gets the focus back
  for (const d of [$("edit-dialog"), $("password-dialog")]) {
    for (const b of d.querySelectorAll("[data-close]")) b.addEventListener("click", () => d.close());
    d.addEventListener("close", () => {
      if (opener) opener.focus();
    });
  }

  $("users-table").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action]");
    if (!b) return;
    current = JSON.parse(b.closest("tr").dataset.user);
    opener = b;
    if (b.dataset.action === "edit") openEdit();
    else if (b.dataset.action === "password") openPassword();
    else if (b.dataset.action === "unlock") unlock(b);
  });

  function openEdit() {
    const form = $("edit-form");
    f.clear(form);
    $("edit-who").textContent = current.name;
    fill(form, current);
    field(form, "disabled").checked = current.disabled;
    $("edit-dialog").showModal();
    field(form, "role").focus();
  }

  $("edit-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = current.id;
    const body = { ...values(form), disabled: field(form, "disabled").checked };
    f.submit(form, () => f.send("PATCH", `/users/${id}`, body), () => reloaded("changed", id));
  });

  function openPassword() {
    const form = $("password-form");
    f.clear(form);
    form.reset();
    $("password-who").textContent = current.name;
    $("password-username").value = current.name;
    $("password-dialog").showModal();
    $("reset-password").focus();
  }

  $("password-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = current.id;
    const password = $("reset-password").value;
    if (!password) {
      f.clear(form);
      f.show(form, new ApiError(400, "", [{ field: "password", text: f.t("forms.err.required") }]));
      return;
    }
    f.submit(form, () => f.send("PATCH", `/users/${id}`, { password }), () => reloaded("password", id));
  });

  function unlock(b) {
    const id = current.id;
    f.act(b, $("users-message"), () => f.send("POST", `/users/${id}/unlock`), () => reloaded("unlocked", id));
  }
}
