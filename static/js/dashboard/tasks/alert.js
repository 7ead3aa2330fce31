/* One alert in the detail panel (GET urls.alert), with the resolve dialog (POST
   urls.alertResolve with a note). */
import * as KH from "../../kh/index.js";
import { changed } from "../panels.js";
import { onDetailClosed, showDetail, showMissing } from "../detail.js";
import { regionLabelById } from "../filters.js";
import { alertAction, alertTitle } from "../panels/alerts.js";
import { showHotspotOnMap } from "../layers/hotspots.js";
import { createTask, errorText, openTask } from "./task.js";
import { alertDepth } from "../alerts/detail.js";

let shownAlert = null;

export function resolveAlert(alert) {
  const dialog = document.getElementById("resolve-dialog");
  const form = dialog.querySelector("form");
  const error = dialog.querySelector(".error");
  form.reset();
  error.textContent = "";
  dialog.querySelector(".subject").textContent = alert.titleText;
  dialog.showModal();
  form.onsubmit = (e) => {
    e.preventDefault();
    if (e.submitter && e.submitter.value === "cancel") { dialog.close(); return; }
    KH.post("alertResolve", alert.id, { note: form.elements.note.value }).then(() => {
      dialog.close();
      KH.flash(KH._("Alert resolved."));
      changed(["alerts"]);
    }).catch((failure) => { error.textContent = errorText(failure); });
  };
}

export function openAlert(id) {
  return KH.get("alert", null, id).then((alert) => {
    showDetail(KH._("Alert #%(id)s", { id: KH.id(alert.id) }), alertBody(alert));
    shownAlert = alert.id;
  }).catch((error) => showMissing(KH._("Alert #%(id)s", { id: KH.id(id) }), error));
}

function button(cls, text, onclick) { return KH.h("button", { type: "button", class: cls, text, onclick }); }

function alertActions(a, title) {
  const box = KH.h("div", { class: "actions" });
  if (a.hotspot_id) box.appendChild(button("show-hotspot", KH._("Show the hotspot on the map"), () => showHotspotOnMap(a.hotspot_id)));
  const active = a.status === "open" || a.status === "acknowledged";
  if (KH.config.canAct && a.status === "open") {
    box.appendChild(button("ack", KH._("Acknowledge"), () => alertAction(a, "acknowledge").then(() => openAlert(a.id))));
  }
  if (KH.config.canAct && active) {
    box.appendChild(button("resolve", KH._("Resolve"), () => resolveAlert({ id: a.id, titleText: title })));
    if (a.open_task) box.appendChild(button("open-task", KH._("Open task #%(id)s", { id: KH.id(a.open_task) }), () => openTask(a.open_task)));
    else box.appendChild(button("task", KH._("Create task"), () => createTask({ alert: a.id, title }, (task) => openTask(task.id))));
  }
  return box;
}

function alertBody(a) {
  const title = alertTitle(a);
  const body = KH.h("div", { class: "alert-panel", "data-alert-id": a.id, "data-status": a.status },
    KH.h("h3", { text: title }),
    KH.h("p", { text: (KH.lang === "ar" && a.message_ar) || a.message_en || "" }),
    KH.facts([
      [KH._("Severity"), KH.label("severity", a.severity)],
      [KH._("Status"), KH.label("status", a.status)],
      [KH._("Region"), a.region ? regionLabelById(a.region) : ""],
      [KH._("First seen"), KH.dateTime(a.first_seen_at)],
      [KH._("Last seen"), KH.dateTime(a.last_seen_at) + (a.count > 1 ? " · ×" + KH.num(a.count) : "")],
    ]));
  const tasks = (a.tasks || []).map((task) => KH.h("li", null, KH.h("a", { href: "#", class: "linked-task", "data-task-id": task.id,
    text: KH._("Task") + " #" + KH.id(task.id) + " · " + task.title + " · " + KH.label("task", task.status),
    onclick: (e) => { e.preventDefault(); openTask(task.id); } })));
  if (tasks.length) body.append(KH.h("h3", { text: KH._("Tasks") }), KH.h("ul", { class: "linked-tasks" }, tasks));
  body.appendChild(alertActions(a, title));
  body.append(...alertDepth(a, openAlert));
  return body;
}

/* A live change to the alert on show reloads it. */
export function alertChanged(id) { if (shownAlert === id) openAlert(id); }

onDetailClosed(() => { shownAlert = null; });
