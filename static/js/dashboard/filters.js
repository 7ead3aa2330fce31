/* The filter bar, kept in the URL (with the map view), and the names of the categories and
   regions it offers (rendered by the server with their ids and labels). */
import { map } from "./map.js";

export const form = document.getElementById("filters");

export function filterParams() {
  const params = new URLSearchParams();
  new FormData(form).forEach((value, key) => { if (value !== "") params.append(key, value); });
  return params;
}
export function selected(name) { return filterParams().getAll(name); }

/* Other state kept in the URL (time slider, layers, comparison): fn(params) adds its part. */
const urlParts = [];
export function addUrlState(fn) { urlParts.push(fn); }

export function syncUrl() {
  const params = filterParams();
  urlParts.forEach((fn) => fn(params));
  const view = map.getCenter();
  params.set("at", [view.lat.toFixed(4), view.lng.toFixed(4), map.getZoom()].join(","));
  history.replaceState(null, "", location.pathname + "?" + params.toString());
}

function option(name, attribute, value) {
  return form.querySelector('input[name="' + name + '"][' + attribute + '="' + value + '"]');
}
export function regionId(code) { const o = option("region", "value", code); return o ? o.dataset.id : ""; }
export function categoryId(code) { const o = option("category", "value", code); return o ? o.dataset.id : ""; }
export function regionName(code) { const o = option("region", "value", code); return o ? o.dataset.label : code; }
export function categoryName(code) { const o = option("category", "value", code); return o ? o.dataset.label : code; }
export function regionLabelById(id) { const o = option("region", "data-id", id); return o ? o.dataset.label : ""; }
