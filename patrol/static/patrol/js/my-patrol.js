/* "My patrol" (phone): the supervisor's patrol places with their visit windows; check in
   (with the phone's location, checked inside the place) and check out. Each update carries
   an idempotency key kept until the server answers, so a retried update is applied once.
   GET urls.patrol_items and urls.patrol_visits (pages: {results});
   POST urls.patrol_check_in {id} and urls.patrol_check_out {id}. */
import * as KH from "/static/js/kh/index.js";

const _ = KH._;
const pending = {};  // action key -> idempotency key, until the server answers

function keyFor(action) {
  if (!pending[action]) pending[action] = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  return pending[action];
}

function where() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error(_("Location is not available on this device."))); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
      () => reject(new Error(_("Allow location to check in."))),
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}

function failed(error) {
  KH.flash((error && error.data && error.data.detail) || (error && error.message) || _("Something went wrong."));
}

function checkIn(item) {
  const action = "in-" + item.id;
  return where().then((loc) => KH.post("patrol_check_in", item.id, { ...loc, idempotency_key: keyFor(action) }))
    .then(() => { delete pending[action]; KH.flash(_("Checked in.")); return load(); }, failed);
}

function checkOut(visit) {
  const action = "out-" + visit.id;
  return KH.post("patrol_check_out", visit.id, { idempotency_key: keyFor(action) })
    .then(() => { delete pending[action]; KH.flash(_("Checked out.")); return load(); }, failed);
}

function windowsText(item) {
  return item.windows.map((w) => KH.dateTime(w.start) + " · " + KH.plural(KH.ngettext("%(n)s min", "%(n)s min", w.minutes), w.minutes)).join(" — ");
}

function row(item, open) {
  const button = open
    ? KH.h("button", { type: "button", class: "check-out", "data-visit-id": open.id, onclick: () => checkOut(open) }, _("Check out"))
    : KH.h("button", { type: "button", class: "check-in", onclick: () => checkIn(item) }, _("Check in"));
  return KH.h(
    "li",
    { class: "task-item patrol-item", "data-item-id": item.id, "data-checked-in": open ? "1" : "0" },
    KH.h("div", { class: "patrol-card" },
      KH.h("strong", null, item.call_sign + " · " + _("Place %(id)s", { id: KH.id(item.place) })),
      KH.h("span", { class: "meta" }, windowsText(item)),
      button),
  );
}

function load() {
  return Promise.all([KH.get("patrol_items"), KH.get("patrol_visits")]).then(([items, visits]) => {
    const list = document.getElementById("patrol-list");
    const open = {};
    visits.results.filter((v) => !v.departure && v.item).forEach((v) => { open[v.item] = v; });
    list.replaceChildren(...(items.results.length
      ? items.results.map((item) => row(item, open[item.id]))
      : [KH.h("li", { class: "muted" }, _("No patrol is planned for you."))]));
    document.body.dataset.loaded = "1";
  }, (error) => KH.unavailable(document.getElementById("patrol-list"), error));
}

load();
