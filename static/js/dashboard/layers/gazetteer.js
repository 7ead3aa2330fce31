/* The gazetteer's outlines (areas from zoom 12, their blocks from zoom 14), labelled, for
   orientation without tiles: GET urls.placeOutlines (a GeoJSON FeatureCollection; properties
   kind, code, name_en, name_ar, area_en, area_ar, source) for the view. The place chosen in
   the search (gazetteer.js) is drawn bold; #map's data-place names it once drawn. */
import * as KH from "../../kh/index.js";
import { canvas, map } from "../map.js";
import { addLegend, keyList, keyRow, outline } from "../legend.js";

export const AREA_ZOOM = 12;
export const BLOCK_ZOOM = 14;
const mapEl = document.getElementById("map");
let chosen = null;
let source = "";

function name(p) { return (KH.lang === "ar" && p.name_ar) || p.name_en; }
export function placeLabel(p) {
  return p.kind === "block" ? KH._("Block %(n)s", { n: KH.digits(name(p)) }) : name(p);
}
function style(feature) {
  const p = feature.properties;
  if (p.code === chosen) return { color: "#0b7285", weight: 4, fill: true, fillColor: "#0b7285", fillOpacity: 0.15 };
  return p.kind === "area" ? { color: "#5c3d99", weight: 2, dashArray: "6 4", fill: false } : { color: "#7a6aa8", weight: 1, fill: false };
}

const layer = L.geoJSON(null, {
  renderer: canvas,
  interactive: false,
  style,
  onEachFeature(feature, drawn) {
    const p = feature.properties;
    drawn.bindTooltip(KH.textContent(placeLabel(p)), { permanent: true, direction: "center", className: "place-label " + p.kind });
  },
});

function markChosen() {
  let found = false;
  layer.eachLayer((drawn) => { layer.resetStyle(drawn); if (drawn.feature.properties.code === chosen) found = true; });
  if (found) mapEl.dataset.place = chosen; else delete mapEl.dataset.place;
}
/* Draw this place bold (its code), once its outline is in view. */
export function choosePlace(code) { chosen = code; markChosen(); }

function load(drawn) {
  const zoom = map.getZoom();
  if (zoom < AREA_ZOOM) { drawn.clearLayers(); markChosen(); return Promise.resolve(0); }
  const b = map.getBounds();
  const params = new URLSearchParams({
    bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","),
    kind: zoom >= BLOCK_ZOOM ? "area,block" : "area",
  });
  if (KH.config.profile) params.set("profile", KH.config.profile);
  return KH.get("placeOutlines", params).then((collection) => {
    drawn.clearLayers();
    drawn.addData(collection.features);
    source = collection.features.length ? collection.features[0].properties.source : source;
    markChosen();
    return drawn.getLayers().length;
  });
}

addLegend("places", () => {
  const rows = [keyRow(outline("#5c3d99", true), KH._("Area")), keyRow(outline("#7a6aa8"), KH._("Block"))];
  const note = map.getZoom() < AREA_ZOOM ? KH._("Zoom in to see areas and blocks.") : source;
  return [keyList(rows), note ? KH.h("p", { class: "key-note", text: note }) : null];
}, KH._("Areas and blocks"));

export default { key: "places", label: KH._("Areas and blocks"), layer, shown: true, on: ["move"], load };
