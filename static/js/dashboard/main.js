/* The command dashboard. Where things are:
     map.js            base map, the one canvas renderer, the layer registry
     layers/           one module per map layer (layers/index.js lists them)
     filters.js        the filter bar, kept in the URL
     detail.js         the detail panel beside the map
     panels.js         panel registry: what reloads on filters, map moves, live events
     panels/           the side panels: kpis, alerts, forecast; the incident list (list.js)
     tasks/            the task board, task detail and dialogs, alert detail
     live.js           live events → fresh incidents, stale panels
     legend.js         the map key: layer control and legend, collapsible
     gazetteer.js      place search (areas, blocks) and zoom to chosen regions
     timeslider.js     time slider with playback, compare with the previous period
   Shared helpers (config, words, formatting, API, socket) are in ../kh/. */
import * as KH from "../kh/index.js";
import { addLayer, map } from "./map.js";
import { form, syncUrl } from "./filters.js";
import { load, names, reloadFor } from "./panels.js";
import { startLive } from "./live.js";
import LAYERS from "./layers/index.js";
import "./panels/kpis.js";
import "./panels/alerts.js";
import "./panels/forecast.js";
import "./panels/list.js";
import "./tasks/board.js";
import "./rules/form.js";
import "./legend.js";
import "./gazetteer.js";
import "./timeslider.js";

/* Layers of apps above this one (iot, patrol), listed by the server in the page config. */
const appLayers = Promise.all((KH.config.modules || []).map((src) => import(src).then((m) => m.default)))
  .catch(() => []);

form.addEventListener("change", () => { syncUrl(); reloadFor("filters"); });
form.addEventListener("submit", (e) => e.preventDefault());
map.on("moveend", () => { syncUrl(); reloadFor("move"); });

LAYERS.forEach(addLayer);

/* First paint first: the incident layer is the page's first request and goes alone, so the
   server and the browser serve it without competition; region outlines and the panels
   follow once it is drawn. The live socket opens after that too. */
const firstLayer = load("incidents").catch(() => {});
export const ready = firstLayer.then(() => appLayers).then((extra) => {
  extra.forEach(addLayer);
  return Promise.all(names().filter((name) => name !== "incidents").map((name) => load(name).catch(() => {})));
}).then(() => { document.body.dataset.ready = "1"; });
firstLayer.then(startLive);

/* For the browser tests' pointer helper (tests/browser/pointer.py): the map. */
window.KHDashboard = { map };
