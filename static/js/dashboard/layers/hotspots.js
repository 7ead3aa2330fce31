/* Hotspots of the latest run, coloured by trend: GET urls.hotspots (a GeoJSON
   FeatureCollection), the ones in the selected regions; a click opens the hotspot's detail. */
import * as KH from "../../kh/index.js";
import { canvas, map } from "../map.js";
import { categoryName, regionName, selected } from "../filters.js";
import { clearOfPanels, showDetail } from "../detail.js";
import { incidentsIn, showIncident } from "./incidents.js";
import { alertOfHotspot, alertTitle } from "../panels/alerts.js";
import { openAlert } from "../tasks/alert.js";
import { hotspotRunFor } from "../timeslider.js";
import { createTask, openTask } from "../tasks/task.js";

const layer = L.geoJSON(null, {
  renderer: canvas,
  style: (feature) => {
    const colour = KH.trendColour(feature.properties.trend);
    return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.25 };
  },
  onEachFeature(feature, drawn) {
    drawn.on("click", (e) => { L.DomEvent.stopPropagation(e); showHotspot(feature); });
  },
});

function load(drawn) {
  const regions = selected("region");
  const params = new URLSearchParams();
  if (regions.length === 1) params.set("region_code", regions[0]);
  // The time slider's step shows the hotspot run current then (hotspots by run).
  return hotspotRunFor().then((run) => {
    if (run === -1) { drawn.clearLayers(); return 0; }
    if (run) params.set("run", run);
    return KH.get("hotspots", params).then((collection) => {
      drawn.clearLayers();
      drawn.addData(collection.features.filter((f) => !regions.length || regions.indexOf(f.properties.region_code) >= 0));
      return drawn.getLayers().length;
    });
  });
}

function breakdown(cats) {
  const list = KH.h("ul", { class: "breakdown" });
  Object.keys(cats).sort((a, b) => cats[b] - cats[a]).forEach((code) => {
    list.appendChild(KH.h("li", null, KH.h("span", { text: categoryName(code) }), KH.h("b", { text: KH.num(cats[code]) })));
  });
  return [KH.h("h3", { text: KH._("Categories") }), list];
}

function actions(id, alert) {
  const box = [];
  if (alert) {
    box.push(KH.h("p", null, KH.h("button", { type: "button", class: "link hotspot-alert",
      text: KH._("Alert #%(id)s", { id: KH.id(alert.id) }) + " · " + alertTitle(alert), onclick: () => openAlert(alert.id) })));
  }
  if (KH.config.canAct && alert && alert.open_task) {
    box.push(KH.h("button", { type: "button", class: "button open-task", text: KH._("Open task #%(id)s", { id: KH.id(alert.open_task) }), onclick: () => openTask(alert.open_task) }));
  } else if (KH.config.canAct) {
    const prefill = alert ? { hotspot: id, alert: alert.id, title: alertTitle(alert) } : { hotspot: id, title: KH._("Patrol hotspot") + " #" + KH.id(id) };
    box.push(KH.h("button", { type: "button", class: "button create-task", text: KH._("Create task"),
      onclick: () => createTask(prefill, (task) => openTask(task.id)) }));
  }
  return box;
}

export function showHotspot(feature) {
  const p = feature.properties;
  const id = feature.id;
  const previously = p.previous_count !== null && p.previous_count !== undefined ? " (" + KH._("previous run %(n)s", { n: KH.num(p.previous_count) }) + ")" : "";
  const body = KH.h("div", null, KH.facts([
    [KH._("Trend"), KH.label("trend", p.trend)],
    [KH._("Incidents"), KH.num(p.incident_count) + previously],
    [KH._("Score"), KH.num(p.score, 1)],
    [KH._("Area (km²)"), KH.num(p.area_km2, 2)],
    [KH._("Region"), regionName(p.region_code) || p.region_name],
    [KH._("First incident"), KH.dateTime(p.first_incident_at)],
    [KH._("Last incident"), KH.dateTime(p.last_incident_at)],
    [KH._("Tracked since"), p.first_seen_at ? KH.dateTime(p.first_seen_at) + " · " + KH.plural(KH.ngettext("%(n)s run", "%(n)s runs", p.runs_seen), p.runs_seen) : ""],
  ]));
  if (p.category_breakdown) body.append(...breakdown(p.category_breakdown));
  const incidents = KH.h("div", { class: "hotspot-incidents" });
  body.append(incidents, ...actions(id, alertOfHotspot(id)));
  showDetail(KH._("Hotspot") + " #" + KH.id(id), body);
  // The hotspot's incidents: the incident layer inside its outline's bounds, same filters.
  incidentsIn(L.geoJSON(feature).getBounds()).then((points) => {
    if (!points.length) return;
    incidents.replaceChildren(KH.h("h3", { text: KH._("Incidents in this hotspot") }), KH.h("ul", { class: "breakdown" }, points.slice(0, 10).map((pt) =>
      KH.h("li", null, KH.h("a", { href: "#", text: categoryName(pt[4]) + " #" + pt[0], onclick: (e) => { e.preventDefault(); showIncident(pt[0]); } }), KH.h("b", { text: KH.num(pt[3]) })))));
  }).catch(() => {});
}

/* Bring a hotspot into view beside the detail panel, for the user to click. */
export function showHotspotOnMap(id) {
  let found = null;
  layer.eachLayer((drawn) => { if (drawn.feature && drawn.feature.id === id) found = drawn; });
  if (!found) { KH.flash(KH._("Not available yet.")); return; }
  map.fitBounds(found.getBounds(), clearOfPanels({ maxZoom: 15 }));
}

export default { key: "hotspots", label: KH._("Hotspots"), layer, shown: true, on: ["filters", "time"], load };
