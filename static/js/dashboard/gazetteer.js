/* Finding places: the search box on the map ("Salmiya block 10", "السالمية قطعة 10") reads
   GET urls.places?q= ({results: [{kind, code, name_en, name_ar, area_en, area_ar, bbox}]})
   and zooms to the chosen region, area or block (drawn bold by layers/gazetteer.js). A
   combobox: type, Arrow keys move through the places found, Enter or a click chooses,
   Escape closes. Choosing regions in the filter bar zooms to them too. */
import * as KH from "../kh/index.js";
import { layer, map } from "./map.js";
import { form } from "./filters.js";
import { choosePlace, placeLabel } from "./layers/gazetteer.js";

const input = KH.h("input", {
  id: "place-search", type: "search", role: "combobox", autocomplete: "off", spellcheck: "false",
  "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "place-results",
  "aria-label": KH._("Go to a place"), placeholder: KH._("Go to: Salmiya block 10"),
});
const list = KH.h("ul", { id: "place-results", role: "listbox", class: "place-results", hidden: true, "aria-label": KH._("Places found") });
const said = KH.h("span", { class: "visually-hidden", role: "status", "aria-live": "polite" });
const box = KH.h("div", { class: "place-search leaflet-control", role: "search" }, input, list, said);
let results = [], active = -1, timer = null, asked = 0;

function title(r) {
  const name = (KH.lang === "ar" && r.name_ar) || r.name_en;
  if (r.kind === "block") return ((KH.lang === "ar" && r.area_ar) || r.area_en) + " · " + placeLabel(r);
  return name + " · " + (r.kind === "area" ? KH._("Area") : KH._("Region"));
}

function show(found) {
  results = found;
  active = found.length ? 0 : -1;
  list.replaceChildren(...found.map((r, i) => KH.h("li", {
    id: "place-option-" + i, role: "option", class: "place-option", "data-code": r.code, "aria-selected": i === active ? "true" : "false",
    text: title(r), onmousedown: (e) => e.preventDefault(), onclick: () => choose(i),
  })));
  list.hidden = !found.length;
  input.setAttribute("aria-expanded", found.length ? "true" : "false");
  highlight();
  said.textContent = found.length ? KH.plural(KH.ngettext("%(n)s place found", "%(n)s places found", found.length), found.length) : KH._("No place found.");
}
function highlight() {
  Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", i === active ? "true" : "false"));
  if (active >= 0) input.setAttribute("aria-activedescendant", "place-option-" + active);
  else input.removeAttribute("aria-activedescendant");
}
function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }

function search() {
  const q = input.value.trim();
  if (!q) { show([]); said.textContent = ""; return; }
  const mine = ++asked;
  const params = new URLSearchParams({ q });
  if (KH.config.profile) params.set("profile", KH.config.profile);
  KH.get("places", params).then((answer) => { if (mine === asked) show(answer.results); })
    .catch(() => { said.textContent = KH._("Could not load. It will retry."); });
}

/* Zoom to a result; an area or block is then drawn bold. */
function choose(i) {
  const r = results[i];
  if (!r) return;
  const [west, south, east, north] = r.bbox;
  input.value = title(r);
  close();
  choosePlace(r.kind === "region" ? null : r.code);
  map.fitBounds([[south, west], [north, east]], { maxZoom: r.kind === "block" ? 16 : 14 });
  map.getContainer().dataset.placeChosen = r.code;
}

input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
input.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    if (list.hidden && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
    const step = e.key === "ArrowDown" ? 1 : -1;
    active = results.length ? (active + step + results.length) % results.length : -1;
    highlight();
  } else if (e.key === "Enter") {
    e.preventDefault();
    if (active >= 0) choose(active);
  } else if (e.key === "Escape") {
    close();
  }
});
input.addEventListener("blur", () => setTimeout(close, 150));

const Search = L.Control.extend({
  onAdd() {
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  },
});
new Search({ position: KH.rtl ? "topright" : "topleft" }).addTo(map);

/* Choosing regions in the filter bar: the map fits them (all of them when none is left). */
form.addEventListener("change", (e) => {
  if (!e.target || e.target.name !== "region") return;
  const codes = Array.from(form.querySelectorAll('input[name="region"]:checked')).map((o) => o.value);
  const regions = layer("regions");
  let bounds = null;
  regions.eachLayer((drawn) => {
    if (codes.length && codes.indexOf(drawn.feature.properties.code) < 0) return;
    bounds = bounds ? bounds.extend(drawn.getBounds()) : L.latLngBounds(drawn.getBounds().getSouthWest(), drawn.getBounds().getNorthEast());
  });
  if (bounds) map.fitBounds(bounds);
});
