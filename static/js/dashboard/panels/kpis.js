/* The overview tiles: incidents in the last 24 h beside today's forecast, open alerts by
   severity, open tasks by status, forecast accuracy beside the best baseline.
   GET urls.dashboard ({incidents_last_24h, open_alerts_by_severity, tasks_by_status,
   overdue_tasks}) with the filter bar's region, category and period; GET urls.evaluation
   ({report: {counts}}) and urls.forecasts (a page: {results}) once with the page. */
import * as KH from "../../kh/index.js";
import { addPanel } from "../panels.js";
import { filterParams } from "../filters.js";

const ALERT_SEVERITY_ORDER = ["critical", "high", "medium", "low"];
const OPEN_TASKS = ["assigned", "accepted", "in_progress"];

function params() {
  const p = filterParams();
  p.delete("mode");
  p.delete("severity"); // the counts take region, category and period
  return p;
}
function sum(counts) { return Object.keys(counts).reduce((n, k) => n + (+counts[k] || 0), 0); }

// The evaluation and today's forecast change once a night: fetched with the page, reused by
// the later reloads (which ask only for the counts).
let extras = null;
function loadExtras() {
  const optional = (request) => request.catch(() => null);
  return Promise.all([
    optional(KH.get("evaluation")),
    optional(KH.get("forecasts", "national=true&all_categories=true")),
  ]);
}

function load(reason) {
  const box = document.getElementById("kpis");
  if (!extras || reason === "initial") extras = loadExtras();
  return Promise.all([KH.get("dashboard", params()), extras]).then(([d, [evaluation, forecasts]]) => {
    const counts = ((evaluation || {}).report || {}).counts || {};
    const today = KH.today();
    const forecastToday = (forecasts ? forecasts.results : []).find((r) => r.date === today && !r.region && !r.category_code);
    const alerts = d.open_alerts_by_severity;
    const openTasks = {};
    OPEN_TASKS.forEach((k) => { if (d.tasks_by_status[k] !== undefined) openTasks[k] = d.tasks_by_status[k]; });
    const forecastLine = forecastToday ? KH._("forecast %(n)s", { n: KH.num(forecastToday.yhat, 0) }) + " (" + KH.num(forecastToday.lower_80, 0) + "–" + KH.num(forecastToday.upper_80, 0) + ")" : "";
    const alertLine = ALERT_SEVERITY_ORDER.filter((s) => alerts[s]).map((s) => KH.label("severity", s) + " " + KH.num(alerts[s])).join(" · ");
    const taskLine = Object.keys(openTasks).map((s) => KH.label("task", s) + " " + KH.num(openTasks[s])).join(" · ") +
      (d.overdue_tasks ? " · " + KH._("Overdue") + " " + KH.num(d.overdue_tasks) : "");
    const hasAccuracy = counts.accuracy !== undefined && counts.accuracy !== null;
    const hasBaseline = counts.best_baseline_accuracy !== undefined && counts.best_baseline_accuracy !== null;
    box.replaceChildren(
      KH.kpi(KH._("Incidents, last 24 h"), KH.num(d.incidents_last_24h.total), forecastLine, "incidents"),
      KH.kpi(KH._("Open alerts"), KH.num(sum(alerts)), alertLine, "alerts"),
      KH.kpi(KH._("Open tasks"), KH.num(sum(openTasks)), taskLine, "tasks"),
      KH.kpi(KH._("Forecast accuracy"), hasAccuracy ? KH.pct(counts.accuracy) : "—",
        hasBaseline ? KH._("best baseline %(n)s", { n: KH.pct(counts.best_baseline_accuracy) }) : "", "accuracy")
    );
  }).catch((error) => KH.unavailable(box, error));
}

addPanel("kpis", load, ["filters", "incidents", "alerts", "tasks"]);
