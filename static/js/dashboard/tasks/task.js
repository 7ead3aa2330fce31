/* Command staff's task tools: the create-task dialog and the task detail (timeline, the
   update locations on the map, reassign, cancel, due time). GET urls.task (one task),
   urls.teams (a page: {results}); POST urls.tasks, urls.taskAssign/taskDue/taskCancel. */
import * as KH from "../../kh/index.js";
import { map } from "../map.js";
import { changed } from "../panels.js";
import { onDetailClosed, showDetail, showMissing } from "../detail.js";
import { focusAlert } from "../panels/alerts.js";

const OPEN = ["assigned", "accepted", "in_progress"];
let teams = null, track = null, shownTask = null;

function loadTeams() {
  if (!teams) teams = KH.get("teams").then((page) => page.results).catch(() => { teams = null; return []; });
  return teams;
}
function teamName(team) { return (KH.lang === "ar" && team.name_ar) || team.name_en || team.slug; }
function fillTeams(select, list, selectedSlug) {
  select.replaceChildren(KH.h("option", { value: "", text: "—" }), ...list.map((team) =>
    KH.h("option", { value: team.slug, text: teamName(team), selected: team.slug === selectedSlug })));
}
/* A validation answer ({field: [messages]}) as one line; otherwise the error's message. */
export function errorText(error) {
  const body = error.body;
  if (body && typeof body === "object" && !body.detail) {
    return Object.keys(body).map((k) => k + ": " + [].concat(body[k]).join(" ")).join(" · ");
  }
  return error.message;
}
function dueFormatError() { return KH._("Write the due time as dd/mm/yyyy hh:mm, e.g. %(example)s.", { example: KH.dueExample() }); }

/* --- create ----------------------------------------------------------------------------- */
export function createTask(prefill, done) {
  const dialog = document.getElementById("task-dialog");
  const form = dialog.querySelector("form");
  const error = dialog.querySelector(".error");
  form.reset();
  error.textContent = "";
  form.elements.title.value = prefill.title || "";
  KH.dueHint(form.elements.due_at);
  loadTeams().then((list) => { fillTeams(form.elements.assignee_team, list); dialog.showModal(); });
  form.onsubmit = (e) => {
    e.preventDefault();
    if (e.submitter && e.submitter.value === "cancel") { dialog.close(); return; }
    const due = KH.parseDateTime(form.elements.due_at.value);
    if (due === false) { error.textContent = dueFormatError(); return; }
    const body = { title: form.elements.title.value, priority: form.elements.priority.value };
    if (form.elements.assignee_team.value) body.assignee_team = form.elements.assignee_team.value;
    if (form.elements.assignee_user.value.trim()) body.assignee_user = form.elements.assignee_user.value.trim();
    if (due) body.due_at = due;
    Object.keys(prefill).forEach((k) => { if (k !== "title") body[k] = prefill[k]; });
    // Made from an alert or hotspot with the offered title: the server writes the title in
    // both languages itself.
    if ((prefill.alert || prefill.hotspot) && body.title === prefill.title) delete body.title;
    KH.api("POST", KH.url("tasks"), body).then((task) => {
      dialog.close();
      KH.flash(KH._("Task created."));
      changed(["tasks", "alerts"]);
      if (done) done(task);
    }).catch((failure) => {
      if (failure.status === 409 && failure.body && failure.body.task) {
        dialog.close();
        changed(["alerts"]);
        if (done) done({ id: failure.body.task });
        return;
      }
      error.textContent = errorText(failure);
    });
  };
}

/* --- detail ----------------------------------------------------------------------------- */
export function openTask(id) {
  return KH.get("task", null, id).then((task) => {
    showDetail(KH._("Task") + " #" + KH.id(task.id), taskBody(task));
    shownTask = task.id;
    plotTrack(task);
  }).catch((error) => showMissing(KH._("Task") + " #" + KH.id(id), error));
}
function taskBody(task) {
  const alert = task.alert_summary;
  const body = KH.h("div", { class: "task-panel", "data-task-id": task.id, "data-status": task.status },
    KH.h("h3", { class: "task-title", text: task.title }),
    KH.facts([
      [KH._("Status"), KH.label("task", task.status)],
      [KH._("Priority"), KH.label("priority", task.priority)],
      [KH._("Assigned to"), [task.assignee_user, task.assignee_team].filter(Boolean).join(" · ") || "—"],
      [KH._("Due"), task.due_at ? KH.dateTime(task.due_at) : "—"],
      [KH._("Description"), task.description],
    ]),
    alert ? KH.h("p", { class: "task-alert" }, KH.h("a", { href: "#", class: "open-alert", text: KH._("Alert #%(id)s", { id: KH.id(alert.id) }) + " · " + alert.title,
      onclick: (e) => { e.preventDefault(); focusAlert(alert.id); } }), " ", KH.h("span", { class: "badge", text: KH.label("status", alert.status) })) : null,
    task.geo_uri ? KH.h("p", null, KH.h("a", { href: task.geo_uri, class: "navigate", text: KH._("Navigate") })) : null);
  if (KH.config.canAct && OPEN.indexOf(task.status) >= 0) body.appendChild(actions(task));
  body.append(KH.h("h3", { text: KH._("Updates") }), timeline(task.updates));
  return body;
}
function located(u) { return u.lat !== null && u.lat !== undefined; }
function timeline(updates) {
  if (!updates.length) return KH.h("p", { class: "muted", text: "—" });
  return KH.h("ol", { class: "timeline" }, updates.slice().reverse().map((u) =>
    KH.h("li", { "data-kind": u.kind, "data-located": located(u) ? "1" : "0" },
      KH.h("span", { class: "when", text: KH.dateTime(u.created_at) }), " ",
      KH.h("strong", { text: u.text || (u.status ? KH.label("task", u.status) : "") }), " ",
      u.note ? KH.h("q", { text: u.note }) : null, " ",
      KH.h("small", { text: [u.author || "", located(u) ? KH._("with location") : ""].filter(Boolean).join(" · ") }))));
}
function actionForm(cls, labelFor, labelText, fields, button, submit) {
  return KH.h("form", { class: "inline-form " + cls, onsubmit: (e) => { e.preventDefault(); submit(); } },
    KH.h("label", { for: labelFor, text: labelText }), ...fields, button);
}
function actions(task) {
  const teamSelect = KH.h("select", { name: "team", id: "reassign-team", "aria-label": KH._("Team") });
  const userInput = KH.h("input", { name: "user", id: "reassign-user", autocomplete: "off", placeholder: KH._("or a username") });
  loadTeams().then((list) => fillTeams(teamSelect, list, task.assignee_team));
  const dueInput = KH.h("input", { name: "due", id: "task-due-edit", inputmode: "numeric", value: task.due_at ? KH.formatDateTimeInput(task.due_at) : "" });
  KH.dueHint(dueInput);
  const note = KH.h("input", { name: "note", id: "cancel-note", placeholder: KH._("Reason (optional)") });
  const error = KH.h("p", { class: "error", role: "alert" });
  function act(name, body) {
    error.textContent = "";
    return KH.post(name, task.id, body).then(() => {
      KH.flash(KH._("Saved."));
      changed(["tasks"]);
      return openTask(task.id);
    }).catch((e) => { error.textContent = errorText(e); });
  }
  return KH.h("div", { class: "task-actions" },
    actionForm("reassign", "reassign-team", KH._("Reassign"), [teamSelect, userInput], KH.h("button", { type: "submit", class: "button", text: KH._("Reassign") }), () => {
      const body = userInput.value.trim() ? { assignee_user: userInput.value.trim() } : { assignee_team: teamSelect.value };
      if (body.assignee_user || body.assignee_team) act("taskAssign", body);
    }),
    actionForm("due", "task-due-edit", KH._("Due"), [dueInput], KH.h("button", { type: "submit", class: "button", text: KH._("Set due time") }), () => {
      const due = KH.parseDateTime(dueInput.value);
      if (due === false) { error.textContent = dueFormatError(); return; }
      act("taskDue", { due_at: due });
    }),
    actionForm("cancel", "cancel-note", KH._("Cancel task"), [note], KH.h("button", { type: "submit", class: "button danger", text: KH._("Cancel task") }), () => act("taskCancel", { note: note.value })),
    error);
}
function plotTrack(task) {
  if (track) map.removeLayer(track);
  track = L.featureGroup().addTo(map);
  const points = task.track.map((p) => [p.lat, p.lon]);
  if (task.lat !== null && task.lat !== undefined) {
    L.circleMarker([task.lat, task.lon], { radius: 9, color: "#0b6e4f", weight: 3, fillOpacity: 0.3 })
      .bindTooltip(KH.textContent(task.title)).addTo(track);
  }
  task.track.forEach((p) => {
    L.circleMarker([p.lat, p.lon], { radius: 6, color: "#1d4ed8", fillColor: "#1d4ed8", fillOpacity: 0.8 })
      .bindTooltip(KH.textContent([KH.dateTime(p.at), p.status ? KH.label("task", p.status) : "", p.author || ""].filter(Boolean).join(" · ")))
      .addTo(track);
  });
  if (points.length > 1) L.polyline(points, { color: "#1d4ed8", weight: 2, dashArray: "4 4", interactive: false }).addTo(track);
  document.getElementById("map").dataset.track = points.length;
  if (track.getLayers().length) map.fitBounds(track.getBounds().pad(0.5), { maxZoom: 15 });
}

/* A live change to the task on show reloads it. */
export function taskChanged(id) { if (shownTask === id) openTask(id); }

onDetailClosed(() => {
  shownTask = null;
  if (track) { map.removeLayer(track); track = null; }
});
