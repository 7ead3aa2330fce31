/* Region outlines of the deployment's profile: GET urls.regions (the API's region list, a
   GeoJSON FeatureCollection of simplified outlines; properties code, name_en, name_ar). */
import * as KH from "../../kh/index.js";
import { canvas } from "../map.js";

const layer = L.geoJSON(null, {
  renderer: canvas,
  style: { color: "#3b4a5a", weight: 1.5, fillColor: "#dfe6ec", fillOpacity: 0.35 },
  onEachFeature(feature, drawn) {
    const p = feature.properties;
    drawn.bindTooltip(KH.textContent((KH.lang === "ar" && p.name_ar) || p.name_en || p.code), { sticky: true, direction: "auto" });
  },
});

export default {
  key: "regions",
  label: KH._("Regions"),
  layer,
  shown: true,
  order: "back",
  on: [],
  load(drawn) {
    const query = KH.config.profile ? new URLSearchParams({ profile: KH.config.profile }) : "";
    return KH.get("regions", query).then((collection) => {
      drawn.clearLayers();
      drawn.addData(collection);
      return drawn.getLayers().length;
    });
  },
};
