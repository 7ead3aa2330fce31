/* The dashboard's map layers, drawn in this order (see map.js for what a layer module
   exports). A new layer of this app: one module here and one line below. An app above
   commands (iot, patrol) registers its module from its AppConfig.ready() instead
   (khareetaty.pages.page_module_register), and main.js imports it from the page config. */
import regions from "./regions.js";
import incidents, { freshLayer } from "./incidents.js";
import hotspots from "./hotspots.js";
import risk from "./risk.js";
import places from "./gazetteer.js";

export default [regions, places, hotspots, risk, incidents, freshLayer];
