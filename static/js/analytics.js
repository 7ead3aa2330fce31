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

  function loadEvaluation() {
    var summary = document.getElementById("evaluation-summary");
    return (KH.has("evaluation") ? KH.api("GET", "/api/analytics/evaluation") : KH.missing()).then(function (report) {
      report = report || {};
      var fc = report.forecast || report.forecasts || report;
      var accuracy = metric(fc, ["accuracy", "model.accuracy"]);
      var skill = metric(fc, ["skill"]);
      var best = metric(fc, ["best_baseline_accuracy", "baselines.best.accuracy"]);
      summary.replaceChildren(
        kpi(t("accuracy"), KH.pct(accuracy), best !== null ? t("vs_baseline", { n: KH.pct(best) }) : "", "accuracy"),
        kpi(t("skill"), skill !== null ? KH.pct(skill) : "—", "", "skill"),
        kpi(t("coverage80"), KH.pct(metric(fc, ["coverage_80", "model.coverage_80"])), t("target", { n: KH.pct(0.8) }), "coverage80"),
        kpi(t("coverage95"), KH.pct(metric(fc, ["coverage_95", "model.coverage_95"])), t("target", { n: KH.pct(0.95) }), "coverage95")
      );
      var methods = fc.methods || fc.models || null;
      if (methods && typeof methods === "object") {
        var groups = Object.keys(methods).map(function (name) {
          var m = methods[name];
          return { label: t("method_" + name) !== "method_" + name ? t("method_" + name) : name, values: [
            { name: "WAPE", value: +m.wape || 0, cls: name === "model" || name === "prophet" ? "model" : "baseline", text: KH.pct(m.wape) },
            { name: "MAE", value: +m.mae || 0, cls: name === "model" || name === "prophet" ? "model" : "baseline", text: KH.num(m.mae, 2) },
          ] };
        });
        KHCharts.bars(document.getElementById("forecast-chart"), groups, { label: t("forecast_error") });
      }
      var spatial = report.spatial || report.hotspots || report.risk || null;
      renderPai(spatial);
    }).catch(function (error) { KH.unavailable(summary, error); });
  }

  function renderPai(spatial) {
    var box = document.getElementById("pai-table");
    if (!spatial || typeof spatial !== "object") return;
    var methods = spatial.methods || spatial;
    var names = Object.keys(methods);
    var levels = ["0.01", "0.05", "0.1"];
    var table = h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { text: t("method") }), levels.map(function (l) { return h("th", { text: "PAI @ " + KH.pct(+l) }); }))),
      h("tbody", null, names.map(function (name) {
        var m = methods[name] || {};
        var pai = m.pai || m;
        return h("tr", null, h("td", { text: t("method_" + name) !== "method_" + name ? t("method_" + name) : name }),
          levels.map(function (l) { return h("td", { text: KH.num(pai[l] !== undefined ? pai[l] : pai[String(+l)], 2) }); }));
      })));
    box.replaceChildren(table);
    KHCharts.bars(document.getElementById("pai-chart"), names.map(function (name) {
      var pai = (methods[name] || {}).pai || methods[name] || {};
      return { label: name, values: [{ name: "5%", value: +(pai["0.05"] || 0), cls: /model|risk|hotspot/.test(name) ? "model" : "baseline" }] };
    }), { label: "PAI" });
  }

  function loadRuns() {
    var box = document.getElementById("runs");
    return (KH.has("runs") ? KH.api("GET", "/api/analytics/runs") : KH.missing()).then(function (data) {
      var runs = KH.rows(data);
      if (!runs.length) { box.replaceChildren(h("p", { class: "muted", text: t("no_runs") })); return; }
      box.replaceChildren(h("table", { class: "data" },
        h("thead", null, h("tr", null, [t("run"), t("kind"), t("status"), t("started"), t("duration"), t("error")].map(function (c) { return h("th", { text: c }); }))),
        h("tbody", null, runs.slice(0, 30).map(function (r) {
          return h("tr", { "data-run-id": r.id, class: "run-" + r.status },
            h("td", { text: "#" + r.id }), h("td", { text: r.kind_display || r.kind || "" }),
            h("td", { text: r.status_display || r.status || "" }), h("td", { text: KH.dateTime(r.started_at || r.created_at) }),
            h("td", { text: r.duration_seconds !== undefined && r.duration_seconds !== null ? KH.num(r.duration_seconds, 1) + " s" : "" }),
            h("td", { text: r.error || "" }));
        }))));
    }).catch(function (error) { KH.unavailable(box, error); });
  }

  var button = document.getElementById("run-button");
  if (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      KH.api("POST", "/api/analytics/runs", {}).then(function (run) {
        flash(t("run_started", { id: (run && run.id) || "" }));
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
