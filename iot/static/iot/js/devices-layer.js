/* The dashboard's IoT device layer: one dot per device coloured by health (ok, silent,
   flooding, disabled, never heard), its name, kind and last-seen time on click.
   Registered from iot/apps.py (page_module_register). */
import * as KH from "/static/js/kh/index.js";
import { canvas } from "/static/js/dashboard/map.js";
import { showDetail } from "/static/js/dashboard/detail.js";

const COLOURS = {
  ok: "#2e7d32",
  silent: "#c62828",
  flooding: "#ef6c00",
  disabled: "#757575",
  never: "#9e9e9e",
};
const KINDS = {
  cctv: KH._("CCTV analytics camera"),
  acoustic: KH._("Acoustic gunshot sensor"),
  anpr: KH._("ANPR camera"),
  panic: KH._("Panic button"),
  environmental: KH._("Environmental sensor"),
};
const HEALTH = {
  ok: KH._("Reporting"),
  silent: KH._("Silent"),
  flooding: KH._("Sending too fast"),
  disabled: KH._("Disabled"),
  never: KH._("Never heard"),
};

function detail(feature) {
  const p = feature.properties;
  showDetail(
    p.name,
    KH.facts([
      [KH._("Device kind"), KINDS[p.kind] || p.kind],
      [KH._("Health"), HEALTH[p.health] || p.health],
      [KH._("Last seen"), p.last_seen_at ? KH.dateTime(p.last_seen_at) : "—"],
    ]),
  );
}

const layer = L.geoJSON(null, {
  renderer: canvas,
  pointToLayer: (feature, latlng) =>
    L.circleMarker(latlng, {
      renderer: canvas,
      radius: 5,
      weight: 1,
      color: "#263238",
      fillColor: COLOURS[feature.properties.health] || COLOURS.never,
      fillOpacity: 0.9,
    }),
  onEachFeature: (feature, marker) => marker.on("click", () => detail(feature)),
});

export default {
  key: "devices",
  label: KH._("IoT devices"),
  layer,
  shown: true,
  on: ["devices"],
  load(drawn) {
    if (!KH.has("iotDevices")) return Promise.resolve(0);
    return KH.get("iotDevices").then((collection) => {
      drawn.clearLayers();
      drawn.addData(collection);
      return drawn.getLayers().length;
    });
  },
};
