/* Analytics page: evaluation report with baselines, run history, run button for analysts. */
(function () {
  "use strict";
  var t = KH.t, h = KH.h;

  function metric(obj, names) {
    for (var i = 0; i < names.length; i++) {
      var parts = names[i].split("."), v = obj;
      for (var j = 0; j < parts.length && v !== undefined && v !== null; j++) v = v[parts[j]];
      if (v !== undefined && v !== null) return v;
    }
    return null;
  }
  function kpi(label, value, sub, key) {
    return h("div", { class: "kpi", "data-kpi": key }, h("span", { class: "kpi-label", text: label }), h("strong", { text: value }), sub ? h("small", { text: sub }) : null);
  }

  function methodName(name) {
    var key = "method_" + name;
    return t(key) !== key ? t(key) : name;
  }

  function loadEvaluation() {
    var summary = document.getElementById("evaluation-summary");
    return (KH.has("evaluation") ? KH.api("GET", "/api/analytics/evaluation") : KH.missing()).then(function (data) {
      var report = (data && data.report) || {};
      var counts = report.counts || {};
      var methods = counts.methods || {};
      var model = methods.model || {};
      summary.replaceChildren(
        kpi(t("accuracy"), KH.pct(counts.accuracy), counts.best_baseline_accuracy !== undefined ? t("vs_baseline", { n: KH.pct(counts.best_baseline_accuracy) }) + " (" + methodName(counts.best_baseline) + ")" : "", "accuracy"),
        kpi(t("skill"), KH.pct(counts.skill), "", "skill"),
        kpi(t("coverage80"), KH.pct(model.coverage_80), t("target", { n: KH.pct(0.8) }), "coverage80"),
        kpi(t("coverage95"), KH.pct(model.coverage_95), t("target", { n: KH.pct(0.95) }), "coverage95")
      );
      var window = report.window || {};
      document.getElementById("evaluation-window").textContent = window.start ? t("evaluation_window", { start: window.start, end: window.end, folds: KH.num(window.folds) }) : "";
      var names = Object.keys(methods);
      if (names.length) {
        KHCharts.bars(document.getElementById("forecast-chart"), names.map(function (name) {
          var m = methods[name], cls = name === "model" ? "model" : "baseline";
          return { label: methodName(name), values: [
            { name: t("wape_daily"), value: +m.wape_daily || 0, cls: cls, text: KH.pct(m.wape_daily) },
            { name: t("wape_weekly"), value: +m.wape_weekly || 0, cls: cls, text: KH.pct(m.wape_weekly) },
          ] };
        }), { label: t("forecast_error") });
        document.getElementById("forecast-table").replaceChildren(table(
          [t("method"), "MAE", t("wape_daily"), t("wape_weekly"), t("coverage80"), t("coverage95"), t("accuracy")],
          names.map(function (name) {
            var m = methods[name];
            return [methodName(name), KH.num(m.mae, 2), KH.pct(m.wape_daily), KH.pct(m.wape_weekly), KH.pct(m.coverage_80), KH.pct(m.coverage_95), KH.pct(m.accuracy)];
          })));
      }
      renderSpatial(report.spatial);
    }).catch(function (error) { KH.unavailable(summary, error); });
  }

  function table(head, rows) {
    return h("table", { class: "data" },
      h("thead", null, h("tr", null, head.map(function (c) { return h("th", { text: c }); }))),
      h("tbody", null, rows.map(function (r) { return h("tr", null, r.map(function (c) { return h("td", { text: c }); })); })));
  }

  function renderSpatial(spatial) {
    if (!spatial || !spatial.rankings) return;
    var rankings = spatial.rankings;
    var names = Object.keys(rankings);
    var shares = Object.keys(rankings[names[0]] || {});
    document.getElementById("pai-table").replaceChildren(table(
      [t("method")].concat(shares.map(function (share) { return t("pai_at", { share: share }); })),
      names.map(function (name) {
        return [methodName(name)].concat(shares.map(function (share) {
          var v = rankings[name][share] || {};
          return KH.num(v.pai, 2) + " · " + t("hit_rate") + " " + KH.pct(v.hit_rate);
        }));
      })));
    var middle = shares[Math.floor(shares.length / 2)];
    KHCharts.bars(document.getElementById("pai-chart"), names.map(function (name) {
      return { label: methodName(name), values: [{ name: "PAI @ " + middle, value: +((rankings[name][middle] || {}).pai || 0), cls: name === "risk_map" ? "model" : "baseline" }] };
    }), { label: "PAI" });
    if (spatial.hotspots) {
      var budgets = Object.keys(spatial.hotspots).sort(function (a, b) { return parseFloat(a) - parseFloat(b); });
      document.getElementById("hotspot-table").replaceChildren(table(
        [t("area_budget"), t("hotspots_count"), "PAI", t("pai_baseline_same_area"), t("hit_rate")],
        budgets.map(function (b) {
          var v = spatial.hotspots[b];
          return [b, KH.num(v.hotspots, 0), KH.num(v.pai, 2), KH.num(v.baseline_365d_pai_same_area, 2), KH.pct(v.hit_rate)];
        })));
    }
    if (spatial.inhabited_area) document.getElementById("inhabited-area").textContent = t("inhabited_area") + ": " + spatial.inhabited_area;
  }

  function loadRuns() {
    var box = document.getElementById("runs");
    return (KH.has("runs") ? KH.api("GET", "/api/analytics/runs/") : KH.missing()).then(function (data) {
      var runs = KH.rows(data);
      if (!runs.length) { box.replaceChildren(h("p", { class: "muted", text: t("no_runs") })); return; }
      box.replaceChildren(h("table", { class: "data" },
        h("thead", null, h("tr", null, [t("run"), t("kind"), t("status"), t("started"), t("duration"), t("error")].map(function (c) { return h("th", { text: c }); }))),
        h("tbody", null, runs.slice(0, 30).map(function (r) {
          return h("tr", { "data-run-id": r.id, class: "run-" + r.status },
            h("td", { text: "#" + r.id }), h("td", { text: t("kind_" + r.kind) !== "kind_" + r.kind ? t("kind_" + r.kind) : r.kind }),
            h("td", { text: t("run_" + r.status) !== "run_" + r.status ? t("run_" + r.status) : r.status }), h("td", { text: KH.dateTime(r.started_at || r.created_at) }),
            h("td", { text: r.duration_seconds !== undefined && r.duration_seconds !== null ? KH.num(r.duration_seconds, 1) + " s" : "" }),
            h("td", { text: r.error || "" }));
        }))));
    }).catch(function (error) { KH.unavailable(box, error); });
  }

  var button = document.getElementById("run-button");
  if (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      KH.api("POST", "/api/analytics/runs/", {}).then(function (run) {
        flash(t(run && run.already_running ? "run_already" : "run_started", { id: (run && run.id) || "" }));
        loadRuns();
      }).catch(function (error) { flash(error.message); }).then(function () { button.disabled = false; });
    });
  }
  function flash(text) {
    var box = document.getElementById("flash");
    box.textContent = text;
    box.hidden = false;
  }
  loadEvaluation();
  loadRuns();
  if (KH.has("runs")) setInterval(loadRuns, 15000);
})();
