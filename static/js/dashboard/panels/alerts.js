/* Open and acknowledged alerts following the filter bar: GET urls.alerts (a page:
   {results}) with regions and categories by id and the period; acknowledge, resolve and
   task buttons for the roles that may act. */
import * as KH from "../../kh/index.js";
import { addPanel, changed } from "../panels.js";
import { categoryId, filterParams, regionId, selected } from "../filters.js";
import { openAlert, resolveAlert } from "../tasks/alert.js";
import { createTask, openTask } from "../tasks/task.js";
import { bulkBar, selectBox } from "../alerts/bulk.js";
import { renderGroups } from "../alerts/groups.js";

let active = [];

export function alertTitle(a) { return (KH.lang === "ar" && a.title_ar) || a.title_en || a.title || ("#" + a.id); }
export function alertOfHotspot(id) { return active.find((a) => a.hotspot_id === id) || null; }

export function alertAction(a, action, body) {
  return KH.post(action === "acknowledge" ? "alertAcknowledge" : "alertResolve", a.id, body)
    .then(() => changed(["alerts"]))
    .catch((error) => KH.flash(error.message));
}

/* Scroll an alert of the list into view and mark it for a moment. */
export function focusAlert(id) {
  const item = document.querySelector("[data-alert-id='" + id + "']");
  if (!item) { KH.flash(KH._("This alert is no longer open.")); return; }
  item.scrollIntoView({ block: "center" });
  item.classList.add("focus");
  setTimeout(() => item.classList.remove("focus"), 2000);
}

function actions(a, title) {
  const box = KH.h("div", { class: "actions" });
  if (!KH.config.canAct) return box;
  if (a.status === "open") box.appendChild(KH.h("button", { type: "button", class: "ack", text: KH._("Acknowledge"), onclick: () => alertAction(a, "acknowledge") }));
  box.appendChild(KH.h("button", { type: "button", class: "resolve", text: KH._("Resolve"), onclick: () => resolveAlert({ id: a.id, titleText: title }) }));
  if (a.open_task) {
    box.appendChild(KH.h("button", { type: "button", class: "task open-task", "data-task-id": a.open_task, text: KH._("Open task #%(id)s", { id: KH.id(a.open_task) }), onclick: () => openTask(a.open_task) }));
  } else {
    box.appendChild(KH.h("button", { type: "button", class: "task", text: KH._("Create task"), onclick: () => createTask({ alert: a.id, title }, (task) => openTask(task.id)) }));
  }
  return box;
}

function alertItem(a) {
  const title = alertTitle(a);
  const linked = (a.tasks || []).map((task) => KH.h("li", null, KH.h("a", { href: "#", class: "linked-task", "data-task-id": task.id,
    text: KH._("Task") + " #" + KH.id(task.id) + " · " + KH.label("task", task.status),
    onclick: (e) => { e.preventDefault(); openTask(task.id); } })));
  return KH.h("article", { class: "alert sev-" + a.severity + " status-" + a.status, "data-alert-id": a.id, "data-status": a.status, "data-open-task": a.open_task || "" },
    KH.h("header", null, selectBox(a, title), KH.h("span", { class: "badge sev-" + a.severity, text: KH.label("severity", a.severity) }),
      KH.h("button", { type: "button", class: "open-alert link", text: title, onclick: () => openAlert(a.id) }),
      a.count > 1 ? KH.h("span", { class: "count", text: "×" + KH.num(a.count) }) : null),
    KH.h("p", { class: "meta", text: [KH.label("status", a.status), KH.dateTime(a.last_seen_at || a.created_at)].join(" · ") }),
    linked.length ? KH.h("ul", { class: "linked-tasks" }, linked) : null,
    actions(a, title));
}

function load() {
  const list = document.getElementById("alerts");
  // The list follows the filter bar like the KPIs: regions, categories (by id) and period.
  const params = new URLSearchParams({ active: "true" });
  selected("region").map(regionId).filter(Boolean).forEach((id) => params.append("region", id));
  selected("category").map(categoryId).filter(Boolean).forEach((id) => params.append("category", id));
  const period = filterParams().get("period");
  if (period) params.set("period", period);
  // Grouped (similar alerts as one) where this deployment routes it; else the plain page.
  const grouped = KH.has("alertGroups");
  return KH.get(grouped ? "alertGroups" : "alerts", params).then((page) => {
    const groups = grouped ? page.results : page.results.map((a) => ({ count: 1, alerts: [a] }));
    groups.forEach((g) => { g.alerts = g.alerts.filter((a) => a.status === "open" || a.status === "acknowledged"); g.count = g.alerts.length; });
    active = groups.flatMap((g) => g.alerts);
    if (!active.length) { list.replaceChildren(KH.h("p", { class: "muted", text: KH._("No open alerts.") })); return; }
    const bar = bulkBar(active.filter((a) => a.status === "open").map((a) => a.id));
    list.replaceChildren(...[bar].filter(Boolean), ...renderGroups(groups.filter((g) => g.count), alertItem, alertTitle));
  }).catch((error) => KH.unavailable(list, error));
}

addPanel("alerts", load, ["filters", "alerts"]);
