/* "My patrol" (phone): the supervisor's patrol places on a small map and in a list with
   their visit windows; check in (with the phone's location, checked inside the place by the
   server) and check out. Updates go through the phone's offline queue (kh/queue.js), each
   with an idempotency key and the time it was made, so one made offline is sent when the
   network returns and one sent twice is applied once.
   GET urls.patrol_items and urls.patrol_visits (pages: {results});
   POST urls.patrol_check_in {id} and urls.patrol_check_out {id}. */
import * as KH from "/static/js/kh/index.js";
import { enqueue, flush, newKey, queue, showQueue, whenFlushed } from "/static/js/kh/queue.js";

const _ = KH._;
const COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490"];

function where() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error(_("Location is not available on this device."))); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
      () => reject(new Error(_("Allow location to check in."))),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  });
}

function failed(error) {
  KH.flash((error && error.data && error.data.detail) || (error && error.message) || _("Something went wrong."));
}

/* --- map: the places (no internet tiles unless the deployment configures some) -------- */
const mapEl = document.getElementById("patrol-map");
const cfg = KH.config.map || { center: [29.31, 47.98], zoom: 9 };
const map = L.map(mapEl, { zoomControl: true, attributionControl: false }).setView(cfg.center, cfg.zoom || 9);
if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { attribution: KH.escapeHtml(cfg.tileAttribution || "") }).addTo(map);
else mapEl.classList.add("no-tiles");
const placeLayer = L.featureGroup().addTo(map);
let meMarker = null;

function showPlaces(items) {
  placeLayer.clearLayers();
  items.forEach((item, i) => {
    if (!item.place_geom) return;
    L.geoJSON(item.place_geom, { style: { color: COLOURS[i % COLOURS.length], weight: 2, fillOpacity: 0.3 } })
      .bindTooltip(KH.textContent(_("Place %(id)s", { id: KH.id(item.place) })))
      .addTo(placeLayer);
  });
  mapEl.dataset.places = placeLayer.getLayers().length;
  if (placeLayer.getLayers().length) map.fitBounds(placeLayer.getBounds().pad(0.2), { maxZoom: 16 });
}

function showMe(loc) {
  if (meMarker) meMarker.setLatLng([loc.lat, loc.lon]);
  else meMarker = L.circleMarker([loc.lat, loc.lon], { radius: 7, color: "#111827", fillOpacity: 0.8 }).addTo(map);
}

/* --- updates through the offline queue -------------------------------------------------- */
function queued(kind, ref) { return queue().some((q) => q.kind === kind && q.ref === ref); }

function send(kind, ref, url, body) {
  body.idempotency_key = newKey();
  body.at = new Date().toISOString();
  return enqueue({ url, body, kind, ref }).then((sent) => {
    if (sent) KH.flash(kind === "patrol-in" ? _("Checked in.") : _("Checked out."));
    return load();
  });
}

function checkIn(item) {
  return where().then((loc) => {
    showMe(loc);
    return send("patrol-in", item.id, KH.url("patrol_check_in", item.id), { lat: loc.lat, lon: loc.lon });
  }).catch(failed);
}

function checkOut(visit) {
  return send("patrol-out", visit.id, KH.url("patrol_check_out", visit.id), {}).catch(failed);
}

function windowsText(item) {
  return item.windows.map((w) => KH.dateTime(w.start) + " · " + KH.plural(KH.ngettext("%(n)s min", "%(n)s min", w.minutes), w.minutes)).join(" — ");
}

function button(item, open) {
  if (queued("patrol-in", item.id) || (open && queued("patrol-out", open.id))) {
    return KH.h("span", { class: "muted waiting" }, _("Waiting for the network"));
  }
  return open
    ? KH.h("button", { type: "button", class: "check-out", "data-visit-id": open.id, onclick: () => checkOut(open) }, _("Check out"))
    : KH.h("button", { type: "button", class: "check-in", onclick: () => checkIn(item) }, _("Check in"));
}

function row(item, open) {
  const state = queued("patrol-in", item.id) ? "queued" : open ? "1" : "0";
  return KH.h(
    "li",
    { class: "task-item patrol-item", "data-item-id": item.id, "data-checked-in": state },
    KH.h("div", { class: "patrol-card" },
      KH.h("strong", null, item.call_sign + " · " + _("Place %(id)s", { id: KH.id(item.place) })),
      KH.h("span", { class: "meta" }, windowsText(item)),
      button(item, open)),
  );
}

let last = null;  // the last lists the server sent: shown again while offline

function render(items, visits) {
  const list = document.getElementById("patrol-list");
  const open = {};
  visits.results.filter((v) => !v.departure && v.item).forEach((v) => { open[v.item] = v; });
  list.replaceChildren(...(items.results.length
    ? items.results.map((item) => row(item, open[item.id]))
    : [KH.h("li", { class: "muted" }, _("No patrol is planned for you."))]));
  showPlaces(items.results);
  document.body.dataset.loaded = "1";
}

function load() {
  return Promise.all([KH.get("patrol_items"), KH.get("patrol_visits")]).then(([items, visits]) => {
    last = [items, visits];
    render(items, visits);
  }, (error) => {
    if (last) render(...last);  // offline: keep the page, with the waiting updates marked
    else KH.unavailable(document.getElementById("patrol-list"), error);
  });
}

whenFlushed(load);
showQueue();
flush();
load();
