/* Dashboard layer: the current published patrol plan's places, coloured by unit, with
   each place's visit windows in its detail. GET urls.patrol_layer (a FeatureCollection). */
import * as KH from "/static/js/kh/index.js";
import { canvas } from "/static/js/dashboard/map.js";
import { showDetail } from "/static/js/dashboard/detail.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];
const colour = (unit) => PALETTE[unit % PALETTE.length];

const layer = L.geoJSON(null, {
  renderer: canvas,
  style: (f) => ({ color: colour(f.properties.unit), weight: 2, fillOpacity: 0.35 }),
  onEachFeature: (f, drawn) => drawn.on("click", () => showDetail(
    KH._("Patrol %(unit)s", { unit: f.properties.call_sign }),
    KH.facts([
      [KH._("Planned minutes"), KH.num(f.properties.planned_minutes)],
      [KH._("Visits"), f.properties.windows.map((w) => KH.dateTime(w.start) + " (" + w.minutes + ")").join(", ")],
    ]),
  )),
});

export default {
  key: "patrol",
  label: KH._("Patrol plan"),
  layer,
  shown: false,
  on: ["patrol"],
  load(drawn) {
    return KH.get("patrol_layer").then((collection) => {
      drawn.clearLayers();
      drawn.addData(collection);
      return drawn.getLayers().length;
    });
  },
};
