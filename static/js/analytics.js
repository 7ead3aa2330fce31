/* Analytics page: evaluation report with baselines, run history, run button for analysts.
   GET urls.evaluation ({report: {counts, window, spatial}}), urls.runs (a page: {results});
   POST urls.runs starts a run. */
import * as KH from "./kh/index.js";
import { bars } from "./charts.js";

const _ = KH._;
const METHODS = {
  model: _("Model"),
  prophet: _("Prophet"),
  same_day_last_week: _("Same day last week"),
  trailing_28_day_mean: _("Trailing 28-day mean"),
  risk_map: _("Risk map"),
  counts_28d: _("Cell counts, last 28 days"),
  counts_365d: _("Cell counts, last 365 days"),
  kde_90d: _("Kernel density, last 90 days"),
  risk: _("Risk map"),
  hotspots: _("Hotspots"),
};
function methodName(name) { return METHODS[name] || name; }

function summary(counts, model) {
  const baseline = counts.best_baseline_accuracy !== undefined
    ? _("best baseline %(n)s", { n: KH.pct(counts.best_baseline_accuracy) }) + " (" + methodName(counts.best_baseline) + ")" : "";
  return [
    KH.kpi(_("Forecast accuracy"), KH.pct(counts.accuracy), baseline, "accuracy"),
    KH.kpi(_("Skill over the best baseline"), KH.pct(counts.skill), "", "skill"),
    KH.kpi(_("Interval coverage, 80%"), KH.pct(model.coverage_80), _("target %(n)s", { n: KH.pct(0.8) }), "coverage80"),
    KH.kpi(_("Interval coverage, 95%"), KH.pct(model.coverage_95), _("target %(n)s", { n: KH.pct(0.95) }), "coverage95"),
  ];
}

function renderMethods(methods) {
  const names = Object.keys(methods);
  if (!names.length) return;
  bars(document.getElementById("forecast-chart"), names.map((name) => {
    const m = methods[name], cls = name === "model" ? "model" : "baseline";
    return { label: methodName(name), values: [
      { name: _("WAPE (daily)"), value: +m.wape_daily || 0, cls, text: KH.pct(m.wape_daily) },
      { name: _("WAPE (7-day total)"), value: +m.wape_weekly || 0, cls, text: KH.pct(m.wape_weekly) },
    ] };
  }), { label: _("Forecast error") });
  document.getElementById("forecast-table").replaceChildren(KH.table(
    [_("Method"), "MAE", _("WAPE (daily)"), _("WAPE (7-day total)"), _("Interval coverage, 80%"), _("Interval coverage, 95%"), _("Forecast accuracy")],
    names.map((name) => {
      const m = methods[name];
      return [methodName(name), KH.num(m.mae, 2), KH.pct(m.wape_daily), KH.pct(m.wape_weekly), KH.pct(m.coverage_80), KH.pct(m.coverage_95), KH.pct(m.accuracy)];
    })));
}

function loadEvaluation() {
  const box = document.getElementById("evaluation-summary");
  return KH.get("evaluation").then((data) => {
    const report = data.report || {};
    const counts = report.counts || {};
    const methods = counts.methods || {};
    box.replaceChildren(...summary(counts, methods.model || {}));
    const span = report.window || {};
    document.getElementById("evaluation-window").textContent = span.start
      ? _("Backtest %(start)s → %(end)s, %(folds)s weekly folds", { start: span.start, end: span.end, folds: KH.num(span.folds) }) : "";
    renderMethods(methods);
    renderSpatial(report.spatial);
  }).catch((error) => KH.unavailable(box, error));
}

function renderSpatial(spatial) {
  if (!spatial || !spatial.rankings) return;
  const rankings = spatial.rankings;
  const names = Object.keys(rankings);
  const shares = Object.keys(rankings[names[0]] || {});
  document.getElementById("pai-table").replaceChildren(KH.table(
    [_("Method")].concat(shares.map((share) => _("PAI at %(share)s of the area", { share }))),
    names.map((name) => [methodName(name)].concat(shares.map((share) => {
      const v = rankings[name][share] || {};
      return KH.num(v.pai, 2) + " · " + _("hit rate") + " " + KH.pct(v.hit_rate);
    })))));
  const middle = shares[Math.floor(shares.length / 2)];
  bars(document.getElementById("pai-chart"), names.map((name) => (
    { label: methodName(name), values: [{ name: "PAI @ " + middle, value: +((rankings[name][middle] || {}).pai || 0), cls: name === "risk_map" ? "model" : "baseline" }] }
  )), { label: "PAI" });
  if (spatial.hotspots) {
    const budgets = Object.keys(spatial.hotspots).sort((a, b) => parseFloat(a) - parseFloat(b));
    document.getElementById("hotspot-table").replaceChildren(KH.table(
      [_("Area budget"), _("Hotspots"), "PAI", _("PAI of 365-day counts, same area"), _("hit rate")],
      budgets.map((b) => {
        const v = spatial.hotspots[b];
        return [b, KH.num(v.hotspots, 0), KH.num(v.pai, 2), KH.num(v.baseline_365d_pai_same_area, 2), KH.pct(v.hit_rate)];
      })));
  }
  if (spatial.inhabited_area) document.getElementById("inhabited-area").textContent = _("Inhabited area") + ": " + spatial.inhabited_area;
}

function runRow(r) {
  return KH.h("tr", { "data-run-id": r.id, class: "run-" + r.status },
    KH.h("td", { text: "#" + r.id }), KH.h("td", { text: KH.label("kind", r.kind) }),
    KH.h("td", { text: KH.label("run", r.status) }), KH.h("td", { text: KH.dateTime(r.started_at || r.created_at) }),
    KH.h("td", { text: r.duration_seconds !== undefined && r.duration_seconds !== null ? KH.num(r.duration_seconds, 1) + " s" : "" }),
    KH.h("td", { text: r.error || "" }));
}
function loadRuns() {
  const box = document.getElementById("runs");
  return KH.get("runs").then((page) => {
    if (!page.results.length) { box.replaceChildren(KH.h("p", { class: "muted", text: _("No runs yet.") })); return; }
    box.replaceChildren(KH.h("table", { class: "data" },
      KH.h("thead", null, KH.h("tr", null, [_("Run"), _("Kind"), _("Status"), _("Started"), _("Duration"), _("Error")].map((c) => KH.h("th", { text: c })))),
      KH.h("tbody", null, page.results.slice(0, 30).map(runRow))));
  }).catch((error) => KH.unavailable(box, error));
}

const button = document.getElementById("run-button");
if (button) {
  button.addEventListener("click", () => {
    button.disabled = true;
    KH.api("POST", KH.url("runs"), {}).then((run) => {
      const text = run.already_running ? _("Run #%(id)s is already running.", { id: run.id }) : _("Run #%(id)s started.", { id: run.id });
      KH.flash(text);
      loadRuns();
    }).catch((error) => KH.flash(error.message)).then(() => { button.disabled = false; });
  });
}
loadEvaluation();
loadRuns();
if (KH.has("runs")) setInterval(loadRuns, 15000);
