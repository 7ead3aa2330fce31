/* Incidents as points, clusters or a heat grid for the view and the filter bar
   (GET urls.mapIncidents: {kind, total, points | cells}), the incident detail, and the
   incidents the live feed brings (the "fresh" layer: big dots for ten minutes). */
import * as KH from "../../kh/index.js";
import { canvas, map, status } from "../map.js";
import { filterParams } from "../filters.js";
import { showDetail, showMissing } from "../detail.js";
import { timeWindow } from "../timeslider.js";

const group = L.featureGroup();
export const fresh = L.featureGroup();

/* A cluster: its count, in the colour of its most severe incident. */
function clusterIcon(n, severity) {
  const size = Math.round(26 + Math.min(30, Math.log10(n) * 10));
  // An element, not an HTML string: inline style attributes would break the CSP.
  const text = KH.h("span", { text: KH.num(n), "data-severity": severity });
  text.style.width = text.style.height = text.style.lineHeight = size + "px";
  text.style.background = KH.SEVERITY_COLOURS[severity] || KH.SEVERITY_COLOURS[0];
  return L.divIcon({ className: "cluster", html: text, iconSize: [size, size] });
}
function dot(lat, lon, severity) {
  return L.circleMarker([lat, lon], {
    renderer: canvas, radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9,
    fillColor: KH.SEVERITY_COLOURS[severity] || KH.SEVERITY_COLOURS[0],
  });
}
function zoomInto(lat, lon) { map.setView([lat, lon], Math.min(map.getMaxZoom(), map.getZoom() + 2)); }

function drawPoints(points) {
  points.forEach((p) => {
    const marker = dot(p[2], p[1], p[3]);
    marker.on("click", (e) => { L.DomEvent.stopPropagation(e); showIncident(p[0]); });
    group.addLayer(marker);
  });
}
function drawClusters(cells) {
  cells.forEach((c) => {
    const marker = c[0] === 1 ? dot(c[2], c[1], c[3]) : L.marker([c[2], c[1]], { icon: clusterIcon(c[0], c[3]), keyboard: false });
    marker.on("click", () => zoomInto(c[2], c[1]));
    group.addLayer(marker);
  });
}
function drawHeat(cells, size) {
  const max = Math.max(1, ...cells.map((c) => c[0]));
  cells.forEach((c) => {
    const level = Math.log(1 + c[0]) / Math.log(1 + max);
    const west = c[4] * size, south = c[5] * size;
    group.addLayer(L.rectangle([[south, west], [south + size, west + size]], {
      renderer: canvas, stroke: false, fillOpacity: 0.15 + 0.7 * level,
      fillColor: level > 0.75 ? "#b30000" : level > 0.5 ? "#e34a33" : level > 0.25 ? "#fc8d59" : "#fdcc8a",
      interactive: false,
    }));
  });
}

export function bboxOf(bounds) {
  return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(5)).join(",");
}

let request = 0;
function load() {
  const params = timeWindow(filterParams());
  params.set("bbox", bboxOf(map.getBounds()));
  params.set("zoom", map.getZoom());
  const mine = ++request;
  const started = performance.now();
  return KH.get("mapIncidents", params).then((answer) => {
    if (mine !== request) return undefined;
    group.clearLayers();
    if (answer.kind === "points") drawPoints(answer.points);
    else if (answer.kind === "clusters") drawClusters(answer.cells);
    else drawHeat(answer.cells, answer.cell);
    const el = document.getElementById("map");
    el.dataset.layerKind = answer.kind;
    el.dataset.layerMs = Math.round(performance.now() - started);
    status(KH.plural(KH.ngettext("%(n)s incident in view", "%(n)s incidents in view", answer.total), answer.total));
    return answer.total;
  }).catch((error) => { status(KH._("Could not load. It will retry.")); throw error; });
}

/* The incidents inside bounds (for a hotspot's list): points at full zoom, same filters. */
export function incidentsIn(bounds) {
  const params = filterParams();
  params.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].join(","));
  params.set("zoom", 18);
  params.set("mode", "cluster");
  return KH.get("mapIncidents", params).then((answer) => (answer.kind === "points" ? answer.points : []));
}

/* GET urls.incident (a GeoJSON Feature: the fields are its properties). */
export function showIncident(id) {
  const title = KH._("Incident") + " #" + KH.id(id);
  KH.get("incident", null, id).then((feature) => {
    const p = feature.properties;
    showDetail(title, KH.h("div", null, KH.facts([
      [KH._("Category"), (KH.lang === "ar" && p.category_name_ar) || p.category_name_en || p.category],
      [KH._("Severity"), KH.num(p.severity)],
      [KH._("Occurred"), KH.dateTime(p.occurred_at)],
      [KH._("Region"), (KH.lang === "ar" && p.region_name_ar) || p.region_name_en || p.region],
      [KH._("Area · block"), [p.area, p.block].filter(Boolean).join(" · ")],
      [KH._("Status"), KH.label("incident", p.status)],
      [KH._("Source"), p.source],
      [KH._("Description"), p.description],
    ])));
  }).catch((error) => showMissing(title, error));
}

/* A live incident: a big dot for ten minutes. */
export function addFresh(i) {
  const marker = L.circleMarker([i.lat, i.lon], { renderer: canvas, radius: 9, weight: 3, color: "#111", fillColor: KH.SEVERITY_COLOURS[i.severity], fillOpacity: 1 });
  marker.bindTooltip(KH.textContent((KH.lang === "ar" && i.category_ar) || i.category_en || i.category));
  marker.on("click", (e) => { L.DomEvent.stopPropagation(e); showIncident(i.id); });
  fresh.addLayer(marker);
  setTimeout(() => fresh.removeLayer(marker), 10 * 60 * 1000);
}

export default {
  key: "incidents",
  label: KH._("Incidents"),
  layer: group,
  shown: true,
  order: "front",
  on: ["filters", "move", "incidents", "time"],
  load,
};
export const freshLayer = { key: "fresh", layer: fresh, shown: true, order: "front" };
