/* The shared page kit, imported by every page module as `import * as KH from "../kh/index.js"`:
   page.js (config, URLs, words), format.js (numbers, dates), dom.js (elements, flash, KPI
   tiles, colours), api.js (JSON calls), live.js (the live socket). */
export * from "./page.js";
export * from "./format.js";
export * from "./dom.js";
export * from "./api.js";
export * from "./live.js";
