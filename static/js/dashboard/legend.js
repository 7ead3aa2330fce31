/* The map key: one collapsible box in the map's corner holding the layer control and a
   legend for every layer on the map and the incident mode (severity colours and clusters,
   heat scale, hotspot trends, risk shading, outlines, the change map). Collapsed at first on
   phones; its button says whether it is open (aria-expanded). The shown layers are kept in
   the URL (layers=…; map.js restores them). Another module adds its own legend section with
   addLegend(key, build): build() returns the section's content, shown while the layer
   registered under `key` is on the map. */
import * as KH from "../kh/index.js";
import { control, layer, map, shownLayers } from "./map.js";
import { addUrlState, form, syncUrl } from "./filters.js";

const sections = [];
/* Layers come and go (a group's markers too): one render after a burst. */
let planned = false;
function later() {
  if (planned) return;
  planned = true;
  setTimeout(() => { planned = false; render(); }, 50);
}
export function addLegend(key, build, title) { sections.push({ key, build, title }); later(); }

function swatch(colour, extra) {
  const el = KH.h("span", { class: "key-swatch" + (extra ? " " + extra : ""), "aria-hidden": "true" });
  el.style.background = colour;
  return el;
}
function outline(colour, dashed) {
  const el = KH.h("span", { class: "key-swatch outline" + (dashed ? " dashed" : ""), "aria-hidden": "true" });
  el.style.borderColor = colour;
  return el;
}
export function keyRow(mark, text) { return KH.h("li", null, mark, KH.h("span", { text })); }
export function keyList(rows) { return KH.h("ul", { class: "key-rows" }, rows); }
export { swatch, outline };

function severityKey() {
  const rows = [1, 2, 3, 4, 5].map((level) => keyRow(swatch(KH.SEVERITY_COLOURS[level], "dot"), KH._("Severity %(n)s", { n: KH.num(level) })));
  return [keyList(rows), KH.h("p", { class: "key-note", text: KH._("A cluster takes the colour of its most severe incident.") })];
}
const HEAT = ["#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
function heatKey() {
  const bar = KH.h("span", { class: "key-scale", "aria-hidden": "true" }, HEAT.map((c) => swatch(c)));
  return KH.h("p", { class: "key-scale-row" }, KH.h("span", { text: KH._("Fewer") }), bar, KH.h("span", { text: KH._("More incidents") }));
}
function trendKey() {
  return keyList(Object.keys(KH.TREND_COLOURS).map((trend) => keyRow(swatch(KH.TREND_COLOURS[trend]), KH.label("trend", trend))));
}
function riskKey() {
  const bar = KH.h("span", { class: "key-scale", "aria-hidden": "true" }, [0.15, 0.35, 0.55, 0.7].map((a) => swatch("rgba(123, 44, 191, " + a + ")")));
  return KH.h("p", { class: "key-scale-row" }, KH.h("span", { text: KH._("Lower risk") }), bar, KH.h("span", { text: KH._("Higher risk") }));
}
function mode() { return (form.elements.mode && form.elements.mode.value) || "cluster"; }

addLegend("regions", () => keyList([keyRow(outline("#3b4a5a"), KH._("Region boundary"))]));
addLegend("incidents", () => (mode() === "heat" ? heatKey() : severityKey()));
addLegend("hotspots", trendKey);
addLegend("risk", riskKey);

const titles = () => ({
  regions: KH._("Regions"), incidents: mode() === "heat" ? KH._("Incidents (heat)") : KH._("Incidents"),
  hotspots: KH._("Hotspots by trend"), risk: KH._("Risk grid (next 7 days)"),
});

const body = KH.h("div", { id: "map-key-body", class: "map-key-body" });
const legend = KH.h("div", { class: "map-legend", role: "group", "aria-label": KH._("Legend") });
const toggle = KH.h("button", { type: "button", class: "map-key-toggle", "aria-controls": "map-key-body", text: KH._("Layers and legend") });
const box = KH.h("div", { class: "map-key leaflet-control" }, toggle, body);

function setOpen(open) {
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  body.hidden = !open;
}
toggle.addEventListener("click", () => setOpen(body.hidden));

/* The legend of what is on the map now. */
export function render() {
  const names = titles();
  legend.replaceChildren(...sections.filter((s) => layer(s.key) && map.hasLayer(layer(s.key))).map((s) =>
    KH.h("section", { class: "key-section", "data-legend": s.key + (s.key === "incidents" ? "-" + mode() : "") },
      KH.h("h3", { text: names[s.key] || s.title || s.key }), s.build())));
}

const MapKey = L.Control.extend({
  onAdd() {
    body.append(control.getContainer(), legend);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  },
});
new MapKey({ position: KH.rtl ? "topleft" : "topright" }).addTo(map);
setOpen(!window.matchMedia("(max-width: 600px)").matches);

map.on("layeradd layerremove zoomend", later);
/* Only a person's tick changes the URL (Leaflet also fires overlayadd when a module adds a
   layer, e.g. an app's layer at start-up). */
control.getContainer().addEventListener("change", () => setTimeout(syncUrl));
form.addEventListener("change", render);
addUrlState((params) => params.set("layers", shownLayers().join(",")));
