/* Command dashboard: map layers, the filter bar kept in the URL, panels, live updates. */
(function () {
  "use strict";
  var t = KH.t, h = KH.h, cfg = KH.config, rtl = KH.rtl;
  var form = document.getElementById("filters");
  var SEVERITY_COLOURS = ["#9aa5b1", "#5b8def", "#f0b429", "#f07c29", "#d64545", "#8b1a1a"];
  var TREND_COLOURS = { new: "#d64545", intensifying: "#f07c29", persistent: "#b7791f", diminishing: "#5b8def" };
  var ALERT_SEVERITY_ORDER = ["critical", "high", "medium", "low"];

  /* --- filters <-> URL ------------------------------------------------------------------- */
  function filterParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") params.append(key, value); });
    return params;
  }
  function syncUrl() {
    var params = filterParams();
    var view = map.getCenter();
    params.set("at", [view.lat.toFixed(4), view.lng.toFixed(4), map.getZoom()].join(","));
    history.replaceState(null, "", location.pathname + "?" + params.toString());
  }
  function selected(name) { return filterParams().getAll(name); }
  function regionId(code) {
    var option = form.querySelector('input[name="region"][value="' + code + '"]');
    return option ? option.dataset.id : "";
  }
  function categoryId(code) {
    var option = form.querySelector('input[name="category"][value="' + code + '"]');
    return option ? option.dataset.id : "";
  }
  function regionLabelById(id) {
    var option = form.querySelector('input[name="region"][data-id="' + id + '"]');
    return option ? option.dataset.label : "";
  }
  function regionName(code) {
    var option = form.querySelector('input[name="region"][value="' + code + '"]');
    return option ? option.dataset.label : code;
  }

  /* --- map ------------------------------------------------------------------------------- */
  var mapConfig = cfg.map || {};
  var at = (new URLSearchParams(location.search).get("at") || "").split(",");
  var map = L.map("map", {
    zoomControl: false,
    attributionControl: false,
    preferCanvas: true,
    minZoom: mapConfig.minZoom,
    maxZoom: mapConfig.maxZoom,
  }).setView(at.length === 3 ? [+at[0], +at[1]] : mapConfig.center, at.length === 3 ? +at[2] : mapConfig.zoom);
  L.control.zoom({ position: rtl ? "topright" : "topleft", zoomInTitle: t("zoom_in"), zoomOutTitle: t("zoom_out") }).addTo(map);
  var attribution = L.control.attribution({ position: rtl ? "bottomleft" : "bottomright", prefix: false }).addTo(map);
  attribution.addAttribution(KH.escapeHtml(mapConfig.boundaryAttribution || ""));
  if (mapConfig.tileUrl) {
    L.tileLayer(mapConfig.tileUrl, { attribution: KH.escapeHtml(mapConfig.tileAttribution || ""), maxZoom: mapConfig.maxZoom }).addTo(map);
  } else {
    document.getElementById("map").classList.add("no-tiles");
  }
  /* One canvas renderer for every vector layer: a second canvas on top would take every
     pointer event and hide the layers under it (regions, hotspots) from the mouse. Inside the
     one canvas Leaflet hit-tests the topmost drawn feature: incidents above hotspots above
     regions, so a dot opens its incident and the rest of a hotspot opens the hotspot. */
  var canvas = L.canvas({ padding: 0.2 });

  var layers = {
    regions: L.geoJSON(null, {
      renderer: canvas,
      style: { color: "#3b4a5a", weight: 1.5, fillColor: "#dfe6ec", fillOpacity: 0.35 },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip(KH.textContent((KH.lang === "ar" && p.name_ar) || p.name_en || p.name || p.code || ""), { sticky: true, direction: "auto" });
      },
    }),
    incidents: L.featureGroup(),
    fresh: L.featureGroup(),
    hotspots: L.geoJSON(null, {
      renderer: canvas,
      style: function (feature) {
        var colour = TREND_COLOURS[(feature.properties || {}).trend] || "#b7791f";
        return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.25 };
      },
      onEachFeature: function (feature, layer) {
        layer.on("click", function (e) { L.DomEvent.stopPropagation(e); showHotspot(feature); });
      },
    }),
    risk: L.geoJSON(null, {
      renderer: canvas,
      interactive: false,
      style: function (feature) {
        var score = +((feature.properties || {}).score || (feature.properties || {}).risk || 0);
        return { stroke: false, fillColor: "#7b2cbf", fillOpacity: Math.min(0.7, 0.08 + riskScale * score) };
      },
    }),
  };
  var riskScale = 1;
  layers.regions.addTo(map);
  layers.incidents.addTo(map);
  layers.fresh.addTo(map);
  layers.hotspots.addTo(map);
  var overlays = {};
  overlays[KH.escapeHtml(t("layer_regions"))] = layers.regions;
  overlays[KH.escapeHtml(t("layer_incidents"))] = layers.incidents;
  overlays[KH.escapeHtml(t("layer_hotspots"))] = layers.hotspots;
  overlays[KH.escapeHtml(t("layer_risk"))] = layers.risk;
  L.control.layers(null, overlays, { position: rtl ? "topleft" : "topright", collapsed: false }).addTo(map);

  function status(text) { document.getElementById("map-status").textContent = text; }

  function loadRegions() {
    return KH.api("GET", "/map/regions").then(function (data) {
      layers.regions.clearLayers();
      layers.regions.addData(KH.featureCollection(data));
      layers.regions.bringToBack();
      document.getElementById("map").dataset.regions = layers.regions.getLayers().length;
    }).catch(function () { document.getElementById("map").dataset.regions = "0"; });
  }

  function clusterIcon(n) {
    var size = Math.round(26 + Math.min(30, Math.log10(n) * 10));
    // An element, not an HTML string: inline style attributes would break the CSP.
    var label = h("span", { text: KH.num(n) });
    label.style.width = label.style.height = label.style.lineHeight = size + "px";
    return L.divIcon({ className: "cluster", html: label, iconSize: [size, size] });
  }

  var layerRequest = 0;
  function loadIncidents() {
    var params = filterParams();
    var b = map.getBounds();
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    params.set("zoom", map.getZoom());
    var request = ++layerRequest;
    var started = performance.now();
    return KH.api("GET", "/map/incidents?" + params.toString()).then(function (layer) {
      if (request !== layerRequest) return;
      drawIncidents(layer);
      var el = document.getElementById("map");
      el.dataset.incidents = layer.total;
      el.dataset.layerKind = layer.kind;
      el.dataset.layerMs = Math.round(performance.now() - started);
      status(KH.plural("incidents_in_view", layer.total));
    }).catch(function (error) { status(t("load_failed")); throw error; });
  }

  function drawIncidents(layer) {
    var group = layers.incidents;
    group.clearLayers();
    if (layer.kind === "points") {
      layer.points.forEach(function (p) {
        var marker = L.circleMarker([p[2], p[1]], {
          renderer: canvas, radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9,
          fillColor: SEVERITY_COLOURS[p[3]] || SEVERITY_COLOURS[0],
        });
        marker.on("click", function (e) { L.DomEvent.stopPropagation(e); showIncident(p[0]); });
        group.addLayer(marker);
      });
    } else if (layer.kind === "clusters") {
      layer.cells.forEach(function (c) {
        if (c[0] === 1) {
          var single = L.circleMarker([c[2], c[1]], { renderer: canvas, radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9, fillColor: SEVERITY_COLOURS[c[3]] });
          single.on("click", function () { map.setView([c[2], c[1]], Math.min(map.getMaxZoom(), map.getZoom() + 2)); });
          group.addLayer(single);
          return;
        }
        var marker = L.marker([c[2], c[1]], { icon: clusterIcon(c[0]), keyboard: false });
        marker.on("click", function () { map.setView([c[2], c[1]], Math.min(map.getMaxZoom(), map.getZoom() + 2)); });
        group.addLayer(marker);
      });
    } else {
      var max = Math.max.apply(null, [1].concat(layer.cells.map(function (c) { return c[0]; })));
      var size = layer.cell;
      layer.cells.forEach(function (c) {
        var level = Math.log(1 + c[0]) / Math.log(1 + max);
        var west = c[4] * size, south = c[5] * size;
        group.addLayer(L.rectangle([[south, west], [south + size, west + size]], {
          renderer: canvas, stroke: false, fillOpacity: 0.15 + 0.7 * level,
          fillColor: level > 0.75 ? "#b30000" : level > 0.5 ? "#e34a33" : level > 0.25 ? "#fc8d59" : "#fdcc8a",
          interactive: false,
        }));
      });
    }
  }

  function hotspotParams() {
    var params = new URLSearchParams();
    var regions = selected("region");
    if (regions.length === 1) params.set("region_code", regions[0]);
    return params.toString();
  }
  function inSelectedRegions(feature) {
    var regions = selected("region");
    return !regions.length || regions.indexOf((feature.properties || {}).region_code) >= 0;
  }
  function loadHotspots() {
    return (KH.has("hotspots") ? KH.api("GET", "/api/analytics/hotspots/?" + hotspotParams()) : KH.missing()).then(function (data) {
      layers.hotspots.clearLayers();
      var fc = KH.featureCollection(data);
      fc.features = fc.features.filter(inSelectedRegions);
      layers.hotspots.addData(fc);
      layers.incidents.bringToFront();
      layers.fresh.bringToFront();
      document.getElementById("map").dataset.hotspots = layers.hotspots.getLayers().length;
    }).catch(function () { document.getElementById("map").dataset.hotspots = "0"; });
  }
  function loadRisk() {
    return (KH.has("risk") ? KH.api("GET", "/api/analytics/risk?top=3000") : KH.missing()).then(function (data) {
      var fc = KH.featureCollection(data);
      var max = Math.max.apply(null, [1e-9].concat(fc.features.map(function (f) { return +((f.properties || {}).score || (f.properties || {}).risk || 0); })));
      riskScale = 0.7 / max;
      layers.risk.clearLayers();
      layers.risk.addData(fc);
      document.getElementById("map").dataset.risk = layers.risk.getLayers().length;
    }).catch(function () {});
  }

  /* --- detail panel ---------------------------------------------------------------------- */
  var detail = document.getElementById("detail");
  function showDetail(title, body) {
    if (window.KHTasks) KHTasks.closed();
    detail.replaceChildren(
      h("div", { class: "panel-head" }, h("h2", { text: title }),
        h("button", { type: "button", class: "close", "aria-label": t("close"), text: "×", onclick: function () { detail.hidden = true; if (window.KHTasks) KHTasks.closed(); } })),
      body
    );
    detail.hidden = false;
  }
  function dl(pairs) {
    return h("dl", { class: "facts" }, pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null && p[1] !== ""; })
      .map(function (p) { return [h("dt", { text: p[0] }), h("dd", { text: String(p[1]) })]; }).reduce(function (a, b) { return a.concat(b); }, []));
  }
  function named(obj, base) {
    if (!obj) return "";
    if (typeof obj !== "object") return String(obj);
    return (KH.lang === "ar" && (obj[base + "_ar"] || obj.name_ar)) || obj[base + "_en"] || obj.name_en || obj.name || obj.code || "";
  }
  function showIncident(id) {
    (KH.has("incident") ? KH.api("GET", "/api/incidents/" + id + "/") : KH.missing()).then(function (data) {
      var p = data.properties || data;
      showDetail(t("incident") + " #" + KH.id(id), h("div", null, dl([
        [t("category"), (KH.lang === "ar" && p.category_name_ar) || p.category_name_en || p.category],
        [t("severity"), KH.num(p.severity)],
        [t("occurred_at"), KH.dateTime(p.occurred_at)],
        [t("region"), (KH.lang === "ar" && p.region_name_ar) || p.region_name_en || p.region],
        [t("area"), [p.area, p.block].filter(Boolean).join(" · ")],
        [t("status"), t("incident_" + p.status) !== "incident_" + p.status ? t("incident_" + p.status) : p.status],
        [t("source"), p.source],
        [t("description"), p.description],
      ])));
    }).catch(function (error) { showDetail(t("incident") + " #" + KH.id(id), h("p", { class: "muted", text: error.status === 404 ? t("not_available") : t("load_failed") })); });
  }
  function showHotspot(feature) {
    var p = feature.properties || {};
    var id = feature.id || p.id;
    var body = h("div", null, dl([
      [t("trend"), t("trend_" + p.trend) !== "trend_" + p.trend ? t("trend_" + p.trend) : p.trend],
      [t("incident_count"), KH.num(p.incident_count) + (p.previous_count !== null && p.previous_count !== undefined ? " (" + t("previously", { n: KH.num(p.previous_count) }) + ")" : "")],
      [t("score"), KH.num(p.score, 1)],
      [t("area_km2"), KH.num(p.area_km2, 2)],
      [t("region"), regionName(p.region_code) || p.region_name],
      [t("first_incident"), KH.dateTime(p.first_incident_at)],
      [t("last_incident"), KH.dateTime(p.last_incident_at)],
      [t("tracked_since"), p.first_seen_at ? KH.dateTime(p.first_seen_at) + " · " + KH.plural("runs_seen", p.runs_seen) : ""],
    ]));
    var cats = p.category_breakdown;
    if (cats && typeof cats === "object") {
      var list = h("ul", { class: "breakdown" });
      Object.keys(cats).sort(function (a, b) { return cats[b] - cats[a]; }).forEach(function (code) {
        list.appendChild(h("li", null, h("span", { text: categoryName(code) }), h("b", { text: KH.num(cats[code]) })));
      });
      body.appendChild(h("h3", { text: t("categories") }));
      body.appendChild(list);
    }
    var incidents = h("div", { class: "hotspot-incidents" });
    body.appendChild(incidents);
    var alert = alertOfHotspot(id);
    if (alert) {
      body.appendChild(h("p", null, h("button", { type: "button", class: "link hotspot-alert", text: t("from_alert", { id: KH.id(alert.id) }) + " · " + alertTitle(alert),
        onclick: function () { KHTasks.openAlert(alert.id); } })));
    }
    if (cfg.canAct && alert && alert.open_task) {
      body.appendChild(h("button", { type: "button", class: "button open-task", text: t("open_task", { id: KH.id(alert.open_task) }), onclick: function () { KHTasks.open(alert.open_task); } }));
    } else if (cfg.canAct) {
      var prefill = { hotspot: id, title: t("patrol_hotspot") + " #" + KH.id(id) };
      if (alert) { prefill.alert = alert.id; prefill.title = alertTitle(alert); }
      body.appendChild(h("button", { type: "button", class: "button create-task", text: t("create_task"), onclick: function () {
        KHTasks.create(prefill, function (task) { KHTasks.open(task.id); });
      } }));
    }
    showDetail(t("hotspot") + " #" + KH.id(id), body);
    // The hotspot's incidents: the incident layer inside its outline's bounds, same filters.
    var bounds = L.geoJSON(feature).getBounds();
    var params = filterParams();
    params.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].join(","));
    params.set("zoom", 18);
    params.set("mode", "cluster");
    KH.api("GET", "/map/incidents?" + params.toString()).then(function (layer) {
      if (layer.kind !== "points") return;
      incidents.replaceChildren(h("h3", { text: t("recent_incidents") }), h("ul", { class: "breakdown" }, layer.points.slice(0, 10).map(function (pt) {
        return h("li", null, h("a", { href: "#", text: categoryName(pt[4]) + " #" + pt[0], onclick: function (e) { e.preventDefault(); showIncident(pt[0]); } }), h("b", { text: KH.num(pt[3]) }));
      })));
    }).catch(function () {});
  }
  function categoryName(code) {
    var option = form.querySelector('input[name="category"][value="' + code + '"]');
    return option ? option.dataset.label : code;
  }

  /* --- panels ---------------------------------------------------------------------------- */
  function kpi(label, value, sub, key) {
    return h("div", { class: "kpi", "data-kpi": key }, h("span", { class: "kpi-label", text: label }),
      h("strong", { text: value }), sub ? h("small", { text: sub }) : null);
  }
  function todayInKuwait() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: cfg.timeZone || "Asia/Kuwait" }).format(new Date());
  }
  // The evaluation and today's forecast change once a night: fetched with the page, reused
  // by the live reloads (which ask only for the counts).
  var kpiExtras = null;
  function loadKpis(options) {
    var box = document.getElementById("kpis");
    var optional = function (source, url) { return KH.has(source) ? KH.api("GET", url).catch(function () { return null; }) : Promise.resolve(null); };
    if (!kpiExtras || !(options && options.live)) {
      kpiExtras = Promise.all([
        optional("evaluation", "/api/analytics/evaluation"),
        optional("forecasts", "/api/analytics/forecasts/?national=true&all_categories=true"),
      ]);
    }
    return Promise.all([KH.api("GET", "/api/commands/dashboard?" + kpiParams()), kpiExtras]).then(function (both) {
      var results = [both[0], both[1][0], both[1][1]];
      var d = results[0] || {};
      var counts = ((results[1] || {}).report || {}).counts || {};
      var today = todayInKuwait();
      var forecastToday = KH.rows(results[2]).filter(function (r) { return r.date === today && !r.region && !r.category_code; })[0];
      var inc = d.incidents_last_24h || {};
      var alerts = d.open_alerts_by_severity || {};
      var tasks = d.tasks_by_status || {};
      var openTasks = {};
      ["assigned", "accepted", "in_progress"].forEach(function (k) { if (tasks[k] !== undefined) openTasks[k] = tasks[k]; });
      var openTotal = Object.keys(alerts).reduce(function (n, k) { return n + (+alerts[k] || 0); }, 0);
      var taskTotal = Object.keys(openTasks).reduce(function (n, k) { return n + (+openTasks[k] || 0); }, 0);
      var accuracy = counts.accuracy !== undefined ? counts.accuracy : d.accuracy;
      var baseline = counts.best_baseline_accuracy !== undefined ? counts.best_baseline_accuracy : d.baseline_accuracy;
      box.replaceChildren(
        kpi(t("kpi_incidents_24h"), KH.num(inc.total), forecastToday ? t("vs_forecast", { n: KH.num(forecastToday.yhat, 0) }) + " (" + KH.num(forecastToday.lower_80, 0) + "–" + KH.num(forecastToday.upper_80, 0) + ")" : "", "incidents"),
        kpi(t("kpi_open_alerts"), KH.num(openTotal), ALERT_SEVERITY_ORDER.filter(function (s) { return alerts[s]; })
          .map(function (s) { return t("severity_" + s) + " " + KH.num(alerts[s]); }).join(" · "), "alerts"),
        kpi(t("kpi_tasks"), KH.num(taskTotal), Object.keys(openTasks).map(function (s) { return t("task_" + s) + " " + KH.num(openTasks[s]); }).join(" · ") +
          (d.overdue_tasks ? " · " + t("overdue") + " " + KH.num(d.overdue_tasks) : ""), "tasks"),
        kpi(t("kpi_accuracy"), accuracy !== undefined && accuracy !== null ? KH.pct(accuracy) : "—",
          baseline !== undefined && baseline !== null ? t("vs_baseline", { n: KH.pct(baseline) }) : "", "accuracy")
      );
    }).catch(function (error) { KH.unavailable(box, error); });
  }

  function kpiParams() {
    var params = filterParams();
    params.delete("mode");
    params.delete("severity"); // the counts take region, category and period
    return params.toString();
  }
  function alertTitle(a) { return (KH.lang === "ar" && a.title_ar) || a.title_en || a.title || ("#" + a.id); }
  function loadAlerts() {
    var list = document.getElementById("alerts");
    // The list follows the filter bar like the KPIs: regions, categories (by id) and period.
    var params = new URLSearchParams({ active: "true" });
    selected("region").map(regionId).filter(Boolean).forEach(function (id) { params.append("region", id); });
    selected("category").map(categoryId).filter(Boolean).forEach(function (id) { params.append("category", id); });
    if (filterParams().get("period")) params.set("period", filterParams().get("period"));
    return KH.api("GET", "/api/commands/alerts/?" + params.toString()).then(function (data) {
      var items = KH.rows(data).filter(function (a) { return a.status === "open" || a.status === "acknowledged"; });
      activeAlerts = items;
      if (!items.length) { list.replaceChildren(h("p", { class: "muted", text: t("no_alerts") })); return; }
      list.replaceChildren.apply(list, items.map(alertItem));
    }).catch(function (error) { KH.unavailable(list, error); });
  }
  var activeAlerts = [];
  function alertOfHotspot(id) {
    return activeAlerts.filter(function (a) { return a.hotspot_id === id; })[0] || null;
  }
  /* Bring a hotspot into view beside the detail panel, for the user to click. */
  function showHotspotOnMap(id) {
    var found = null;
    layers.hotspots.eachLayer(function (layer) { if (layer.feature && (layer.feature.id === id || (layer.feature.properties || {}).id === id)) found = layer; });
    if (!found) { KH.toast(t("not_available")); return; }
    var side = detail.hidden ? 0 : detail.offsetWidth + 24;
    var options = { maxZoom: 15 };
    options[rtl ? "paddingBottomRight" : "paddingTopLeft"] = [side, 0];
    map.fitBounds(found.getBounds(), options);
  }
  function alertItem(a) {
    var actions = h("div", { class: "actions" });
    var title = alertTitle(a);
    if (cfg.canAct) {
      if (a.status === "open") actions.appendChild(h("button", { type: "button", class: "ack", text: t("acknowledge"), onclick: function () { alertAction(a, "acknowledge"); } }));
      actions.appendChild(h("button", { type: "button", class: "resolve", text: t("resolve"), onclick: function () {
        KHTasks.resolve({ id: a.id, titleText: title });
      } }));
      if (a.open_task) {
        actions.appendChild(h("button", { type: "button", class: "task open-task", "data-task-id": a.open_task, text: t("open_task", { id: KH.id(a.open_task) }), onclick: function () { KHTasks.open(a.open_task); } }));
      } else {
        actions.appendChild(h("button", { type: "button", class: "task", text: t("create_task"), onclick: function () {
          KHTasks.create({ alert: a.id, title: title }, function (task) { KHTasks.open(task.id); });
        } }));
      }
    }
    var linked = (a.tasks || []).map(function (task) {
      return h("li", null, h("a", { href: "#", class: "linked-task", "data-task-id": task.id, text: t("task") + " #" + KH.id(task.id) + " · " + t("task_" + task.status),
        onclick: function (e) { e.preventDefault(); KHTasks.open(task.id); } }));
    });
    return h("article", { class: "alert sev-" + a.severity + " status-" + a.status, "data-alert-id": a.id, "data-status": a.status, "data-open-task": a.open_task || "" },
      h("header", null, h("span", { class: "badge sev-" + a.severity, text: t("severity_" + a.severity) }),
        h("button", { type: "button", class: "open-alert link", text: title, onclick: function () { KHTasks.openAlert(a.id); } }), a.count > 1 ? h("span", { class: "count", text: "×" + KH.num(a.count) }) : null),
      h("p", { class: "meta", text: [t("status_" + a.status), KH.dateTime(a.last_seen_at || a.created_at)].join(" · ") }),
      linked.length ? h("ul", { class: "linked-tasks" }, linked) : null,
      actions);
  }
  function alertAction(a, action, body) {
    return KH.api("POST", "/api/commands/alerts/" + a.id + "/" + action + "/", body).then(function () {
      loadAlerts(); loadKpis({ live: true });
    }).catch(function (error) { KH.toast(error.message); });
  }
  function focusAlert(id) {
    var item = document.querySelector("[data-alert-id='" + id + "']");
    if (!item) { KH.toast(t("alert_closed")); return; }
    item.scrollIntoView({ block: "center" });
    item.classList.add("focus");
    setTimeout(function () { item.classList.remove("focus"); }, 2000);
  }

  var TASK_COLUMNS = ["assigned", "accepted", "in_progress", "done"];
  function loadTasks() {
    var board = document.getElementById("tasks");
    return KH.api("GET", "/api/commands/tasks/?status=assigned&status=accepted&status=in_progress&status=done").then(function (data) {
      var items = KH.rows(data);
      board.replaceChildren.apply(board, TASK_COLUMNS.map(function (column) {
        var cards = items.filter(function (task) { return task.status === column; });
        return h("section", { class: "column", "data-status": column }, h("h3", { text: t("task_" + column) + " (" + KH.num(cards.length) + ")" }),
          cards.slice(0, 30).map(function (task) {
            return h("button", { type: "button", class: "task-card prio-" + task.priority, "data-task-id": task.id, onclick: function () { KHTasks.open(task.id); } },
              h("strong", { text: task.title }),
              h("small", { text: [t("priority_" + task.priority), task.due_at ? t("due", { when: KH.dateTime(task.due_at) }) : "", task.assignee_user || task.assignee_team || ""].filter(Boolean).join(" · ") }));
          }));
      }));
    }).catch(function (error) { KH.unavailable(board, error); });
  }

  function loadForecast() {
    var box = document.getElementById("forecast-chart");
    var region = selected("region")[0] || "";
    document.getElementById("forecast-region").textContent = region ? regionName(region) : t("national");
    var params = new URLSearchParams();
    if (region) params.set("region_code", region); else params.set("national", "true");
    params.set("all_categories", "true");
    var historyParams = filterParams();
    historyParams.set("period", "90d");
    historyParams.delete("at");
    return Promise.all([
      (KH.has("forecasts") ? KH.api("GET", "/api/analytics/forecasts/?" + params.toString()) : KH.missing()).catch(function () { return null; }),
      KH.api("GET", "/map/daily?" + historyParams.toString()).catch(function () { return null; }),
    ]).then(function (results) {
      var forecastRows = KH.rows(results[0]).filter(function (r) { return !r.category_code && (region ? r.region_code === region : !r.region); });
      var days = results[1] ? results[1].days.slice(-42) : [];
      // Today is not over: its count so far is shown as a marked point, not as the end of the
      // line (which would draw every morning as a cliff).
      var today = todayInKuwait(), partial = null;
      if (days.length && days[days.length - 1][0] === today) partial = days.pop();
      var history = days.map(function (d) { return [new Date(d[0] + "T00:00:00+03:00"), d[1]]; });
      var forecast = forecastRows.map(function (r) {
        return [new Date(r.date + "T00:00:00+03:00"), +r.yhat, num(r.lower_80), num(r.upper_80), num(r.lower_95), num(r.upper_95)];
      }).sort(function (a, b) { return a[0] - b[0]; });
      if (!history.length && !forecast.length) { KH.unavailable(box, { status: 404 }); return; }
      KHCharts.timeSeries(box, {
        history: history, forecast: forecast,
        partial: partial ? [new Date(partial[0] + "T00:00:00+03:00"), partial[1], t("partial_day")] : null,
      }, { label: t("forecast") });
      box.dataset.partial = partial ? "1" : "0";
      box.dataset.forecastDays = forecast.length;
    });
  }
  function num(v) { return v === undefined || v === null ? null : +v; }



  /* --- live ------------------------------------------------------------------------------
     Live events only mark panels stale; a scheduler reloads each stale panel at most once per
     PANEL_GAP_MS, one request at a time per panel, so a busy feed or a reconnect never turns
     into a burst against the user's request quota. */
  var PANEL_GAP_MS = 5000;
  var LOADERS = {
    incidents: function () { return loadIncidents(); },
    kpis: function () { return loadKpis({ live: true }); },
    alerts: function () { return loadAlerts(); },
    tasks: function () { return loadTasks(); },
    hotspots: function () { return loadHotspots(); },
    forecast: function () { return loadForecast(); },
  };
  var PANELS_OF = { incidents: ["incidents", "kpis"], alerts: ["alerts", "kpis"], tasks: ["tasks", "kpis"] };
  var stale = {}, running = {}, lastRun = {}, planned = {};
  function markStale(panels, wait) {
    panels.forEach(function (panel) { stale[panel] = true; plan(panel, wait); });
  }
  function plan(panel, wait) {
    if (planned[panel] || running[panel]) return;
    var gap = Math.max(wait || 0, (lastRun[panel] || 0) + PANEL_GAP_MS - Date.now());
    planned[panel] = setTimeout(function () { planned[panel] = null; run(panel); }, Math.max(0, gap));
  }
  function run(panel) {
    if (!stale[panel]) return;
    stale[panel] = false;
    running[panel] = true;
    lastRun[panel] = Date.now();
    Promise.resolve().then(LOADERS[panel]).catch(function () {}).then(function () {
      running[panel] = false;
      if (stale[panel]) plan(panel);
      document.body.dataset.reloads = (+document.body.dataset.reloads || 0) + 1;
    });
  }
  function staleFor(kinds) {
    var panels = [];
    kinds.forEach(function (kind) { (PANELS_OF[kind] || []).forEach(function (p) { if (panels.indexOf(p) < 0) panels.push(p); }); });
    return panels;
  }

  var freshCount = 0;
  function onLive(event) {
    if (event.kind === "incidents.created") {
      var wanted = selected("category"), regions = selected("region"), minSeverity = +(filterParams().get("severity") || 0);
      event.incidents.forEach(function (i) {
        if (wanted.length && wanted.indexOf(i.category) < 0) return;
        if (regions.length && regions.indexOf(i.region) < 0) return;
        if (i.severity < minSeverity) return;
        freshCount += 1;
        var marker = L.circleMarker([i.lat, i.lon], { renderer: canvas, radius: 9, weight: 3, color: "#111", fillColor: SEVERITY_COLOURS[i.severity], fillOpacity: 1 });
        marker.bindTooltip(KH.textContent((KH.lang === "ar" && i.category_ar) || i.category_en || i.category));
        marker.on("click", function (e) { L.DomEvent.stopPropagation(e); showIncident(i.id); });
        layers.fresh.addLayer(marker);
        setTimeout(function () { layers.fresh.removeLayer(marker); }, 10 * 60 * 1000);
      });
      document.getElementById("map").dataset.fresh = freshCount;
      document.getElementById("live-count").textContent = freshCount ? KH.plural("new_incidents", freshCount) : "";
      markStale(PANELS_OF.incidents, 1500);
    } else if (event.kind === "incidents.batch") {
      markStale(PANELS_OF.incidents, 1500);
    } else if (event.kind === "alert.changed") {
      markStale(PANELS_OF.alerts);
      KHTasks.alertChanged(event.id);
    } else if (event.kind === "task.changed") {
      markStale(PANELS_OF.tasks);
      KHTasks.changed(event.id);
    } else if (event.kind === "reconnected") {
      markStale(staleFor(event.changed || []));
    }
  }

  function refreshAll() {
    return Promise.all([loadIncidents().catch(function () {}), loadHotspots(), loadKpis(), loadAlerts(), loadTasks(), loadForecast().catch(function () {})]);
  }

  form.addEventListener("change", function () {
    syncUrl();
    loadIncidents().catch(function () {});
    loadHotspots();
    if (map.hasLayer(layers.risk)) loadRisk();
    loadAlerts();
    loadKpis({ live: true });
    loadForecast().catch(function () {});
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  map.on("moveend", function () { syncUrl(); loadIncidents().catch(function () {}); });
  map.on("overlayadd", function (e) { if (e.layer === layers.risk) loadRisk(); });

  /* First paint first: the incident layer is the page's first request and goes alone, so the
     server and the browser serve it without competition; region outlines and the panels
     follow once it is drawn (the regions go to the back when they arrive). The live socket
     opens after that too. */
  var firstLayer = loadIncidents().catch(function () {});
  var ready = firstLayer.then(function () {
    return Promise.all([loadRegions(), loadHotspots(), loadKpis(), loadAlerts(), loadTasks(), loadForecast().catch(function () {})]);
  }).then(function () { document.body.dataset.ready = "1"; });
  firstLayer.then(function () { KH.live(onLive); });
  /* Panels a user's own action changed: reloaded at once (not through the live scheduler). */
  function changed(kinds) {
    staleFor(kinds).forEach(function (panel) { LOADERS[panel]().catch(function () {}); });
  }
  window.KHDashboard = {
    map: map, layers: layers, ready: ready, reload: refreshAll, showIncident: showIncident,
    showDetail: showDetail, facts: dl, changed: changed, focusAlert: focusAlert,
    showHotspotOnMap: showHotspotOnMap, alertTitle: alertTitle, regionLabelById: regionLabelById, alertAction: alertAction,
  };
})();
