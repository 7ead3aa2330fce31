/* The risk grid for the next 7 days, when ticked: GET urls.risk (a GeoJSON FeatureCollection
   of cells; each cell's `score`), shaded relative to the highest score. */
import * as KH from "../../kh/index.js";
import { canvas } from "../map.js";

let scale = 1;
const layer = L.geoJSON(null, {
  renderer: canvas,
  interactive: false,
  style: (feature) => ({ stroke: false, fillColor: "#7b2cbf", fillOpacity: Math.min(0.7, 0.08 + scale * feature.properties.score) }),
});

export default {
  key: "risk",
  label: KH._("Risk grid (next 7 days)"),
  layer,
  shown: false,
  on: ["filters"],
  load(drawn) {
    return KH.get("risk", "top=3000").then((collection) => {
      scale = 0.7 / Math.max(1e-9, ...collection.features.map((f) => +f.properties.score));
      drawn.clearLayers();
      drawn.addData(collection);
      return drawn.getLayers().length;
    });
  },
};
