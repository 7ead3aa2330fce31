/* The base map (tiles, controls, one canvas renderer) and the layer registry.

   A layer is a module under layers/ (or an app's module listed in the page config) that
   exports a definition; main.js hands each to addLayer():

     export default {
       key: "hotspots",              // registry key; #map gets data-hotspots = feature count
       label: _("Hotspots"),         // name in the layer control (omit: not in the control)
       layer: L.geoJSON(null, {...}), // the Leaflet layer, drawn with `canvas` below
       shown: true,                  // on the map when the page opens (else when ticked)
       load: (layer) => promise of the number of features drawn,
       on: ["filters", "move", "incidents"], // reload on filter change, map move, live kinds
     };
*/
import * as KH from "../kh/index.js";
import { addPanel } from "./panels.js";

const cfg = KH.config.map || {};
const mapEl = document.getElementById("map");
const at = (new URLSearchParams(location.search).get("at") || "").split(",");

export const map = L.map("map", {
  zoomControl: false,
  attributionControl: false,
  preferCanvas: true,
  minZoom: cfg.minZoom,
  maxZoom: cfg.maxZoom,
});
/* The view: the shared link's (at=lat,lon,zoom), else the profile's regions (fit). */
if (at.length === 3) map.setView([+at[0], +at[1]], +at[2]);
else if (cfg.fit) map.fitBounds([[cfg.fit[1], cfg.fit[0]], [cfg.fit[3], cfg.fit[2]]]);
else map.setView(cfg.center, cfg.zoom);
/* Layers a shared link names (layers=a,b) are shown, the others hidden. */
const urlLayers = new URLSearchParams(location.search).get("layers");
L.control.zoom({ position: KH.rtl ? "topright" : "topleft", zoomInTitle: KH._("Zoom in"), zoomOutTitle: KH._("Zoom out") }).addTo(map);
L.control.attribution({ position: KH.rtl ? "bottomleft" : "bottomright", prefix: false }).addTo(map)
  .addAttribution(KH.escapeHtml(cfg.boundaryAttribution || ""));
if (cfg.tileUrl) {
  L.tileLayer(cfg.tileUrl, { attribution: KH.escapeHtml(cfg.tileAttribution || ""), maxZoom: cfg.maxZoom }).addTo(map);
} else {
  mapEl.classList.add("no-tiles");
}

/* One canvas renderer for every vector layer: a second canvas on top would take every
   pointer event and hide the layers under it (regions, hotspots) from the mouse. Inside the
   one canvas Leaflet hit-tests the topmost drawn feature: incidents above hotspots above
   regions, so a dot opens its incident and the rest of a hotspot opens the hotspot. */
export const canvas = L.canvas({ padding: 0.2 });

export const control = L.control.layers(null, null, { position: KH.rtl ? "topleft" : "topright", collapsed: false }).addTo(map);
const registry = {};

export function status(text) { document.getElementById("map-status").textContent = text; }

/* Register a layer definition (see the top of this file). */
export function addLayer(def) {
  registry[def.key] = def;
  if (def.label) control.addOverlay(def.layer, KH.escapeHtml(def.label));
  const shown = urlLayers !== null && def.label ? urlLayers.split(",").indexOf(def.key) >= 0 : def.shown;
  if (shown) def.layer.addTo(map);
  if (def.load) addPanel(def.key, () => loadLayer(def.key), def.on || []);
}
export function layer(key) { return registry[key] ? registry[key].layer : null; }
/* The keys of the layers in the layer control that are on the map (for the URL). */
export function shownLayers() { return Object.keys(registry).filter((k) => registry[k].label && map.hasLayer(registry[k].layer)); }

/* Load a layer if it is on the map; #map's data-<key> says how many features it drew. */
export function loadLayer(key) {
  const def = registry[key];
  if (!def || !def.load || !map.hasLayer(def.layer)) return Promise.resolve();
  return def.load(def.layer).then((count) => {
    if (count !== undefined) mapEl.dataset[key] = count;
    stack();
  }, (error) => { mapEl.dataset[key] = "0"; throw error; });
}

/* Keep the drawing order whatever arrives first: outlines at the back, points in front. */
function stack() {
  Object.keys(registry).forEach((key) => {
    const def = registry[key];
    if (!map.hasLayer(def.layer)) return;
    if (def.order === "back" && def.layer.bringToBack) def.layer.bringToBack();
    if (def.order === "front" && def.layer.bringToFront) def.layer.bringToFront();
  });
}

map.on("overlayadd", (e) => {
  const key = Object.keys(registry).find((k) => registry[k].layer === e.layer);
  if (key) loadLayer(key).catch(() => {});
});
