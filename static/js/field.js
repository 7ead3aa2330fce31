/* Mobile field view: my tasks, task detail, status and updates with location, sent through
   the phone's offline queue (kh/queue.js).
   GET urls.tasks (a page: {results}), urls.task (one task, with lat/lon, updates, track),
   urls.hotspots and urls.regions (GeoJSON FeatureCollections); POST urls.taskUpdates. */
import * as KH from "./kh/index.js";
import { enqueue, flush, newKey, showQueue, whenFlushed } from "./kh/queue.js";

const _ = KH._;
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
const OPEN = ["assigned", "accepted", "in_progress"];

/* --- helpers --------------------------------------------------------------------------- */
function rank(priority) { return priority in PRIORITY_RANK ? PRIORITY_RANK[priority] : 9; }
function sortTasks(tasks) {
  return tasks.slice().sort((a, b) => rank(a.priority) - rank(b.priority)
    || (a.due_at ? Date.parse(a.due_at) : Infinity) - (b.due_at ? Date.parse(b.due_at) : Infinity));
}
function distanceKm(a, b) {
  const rad = Math.PI / 180, dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(s));
}
function hotspotCentre(feature) {
  const coords = [];
  (function walk(c) { if (typeof c[0] === "number") coords.push(c); else c.forEach(walk); })(feature.geometry.coordinates);
  const sum = coords.reduce((acc, c) => [acc[0] + c[1], acc[1] + c[0]], [0, 0]);
  return [sum[0] / coords.length, sum[1] / coords.length];
}
function taskMeta(task, extra) {
  return [KH.label("priority", task.priority), KH.label("task", task.status),
    task.due_at ? _("due %(when)s", { when: KH.dateTime(task.due_at) }) : "", ...(extra || [])].filter(Boolean).join(" · ");
}

function locate(timeout) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition((pos) => {
      resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy });
    }, () => resolve(null), { enableHighAccuracy: true, timeout: timeout || 8000, maximumAge: 60000 });
  });
}

/* --- my tasks -------------------------------------------------------------------------- */
function renderList() {
  const list = document.getElementById("task-list");
  return KH.get("tasks", OPEN.map((s) => "status=" + s).join("&")).then((page) => {
    const tasks = sortTasks(page.results.filter((task) => OPEN.indexOf(task.status) >= 0));
    if (!tasks.length) { list.replaceChildren(KH.h("li", { class: "muted", text: _("No tasks for you right now.") })); return; }
    const now = Date.now();
    list.replaceChildren(...tasks.map((task) => {
      const overdue = task.due_at && Date.parse(task.due_at) < now;
      return KH.h("li", { class: "task-item prio-" + task.priority + (overdue ? " overdue" : ""), "data-task-id": task.id },
        KH.h("a", { href: KH.url("fieldTask", task.id) },
          KH.h("strong", { text: task.title }),
          KH.h("span", { class: "meta", text: taskMeta(task, [overdue ? _("Overdue") : ""]) })));
    }));
  }).catch((error) => KH.unavailable(list, error));
}

function hotspotItem(item) {
  const p = item.f.properties;
  return KH.h("li", { class: "hotspot-item" },
    KH.h("span", { class: "dot", style: "background:" + KH.trendColour(p.trend) }),
    KH.h("span", { text: KH.label("trend", p.trend) + " · " + KH.num(p.incident_count) + " " + _("Incidents") }),
    item.d !== null ? KH.h("small", { text: _("%(km)s km away", { km: KH.num(item.d, 1) }) }) : null);
}
function renderNearby(list) {
  return Promise.all([KH.get("hotspots").catch(() => null), locate(6000)]).then(([collection, here]) => {
    if (!collection) { KH.unavailable(list, { status: 404 }); return; }
    const at = here ? [here.lat, here.lon] : null;
    const items = collection.features.map((f) => { const c = hotspotCentre(f); return { f, d: at ? distanceKm(at, c) : null }; });
    items.sort((a, b) => (at ? a.d - b.d : b.f.properties.score - a.f.properties.score));
    if (!items.length) { list.replaceChildren(KH.h("li", { class: "muted", text: _("No hotspots nearby.") })); return; }
    list.replaceChildren(...items.slice(0, 5).map(hotspotItem));
  });
}

/* --- one task -------------------------------------------------------------------------- */
const TRANSITIONS = { assigned: ["accepted", "in_progress"], accepted: ["in_progress", "done"], in_progress: ["done"] };
const BUTTON_TEXT = { accepted: _("Accept"), in_progress: _("Start"), done: _("Done") };

function taskMap(mapEl) {
  const cfg = KH.config.map;
  const map = L.map(mapEl, { zoomControl: true, attributionControl: false }).setView(cfg.center, 11);
  L.control.attribution({ position: KH.rtl ? "bottomleft" : "bottomright", prefix: false }).addTo(map).addAttribution(KH.escapeHtml(cfg.boundaryAttribution || ""));
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { attribution: KH.escapeHtml(cfg.tileAttribution || "") }).addTo(map);
  else mapEl.classList.add("no-tiles");
  const query = KH.config.profile ? new URLSearchParams({ profile: KH.config.profile }) : "";
  KH.get("regions", query).then((collection) => {
    L.geoJSON(collection, { style: { color: "#3b4a5a", weight: 1, fillColor: "#dfe6ec", fillOpacity: 0.3 }, interactive: false }).addTo(map);
  }).catch(() => {});
  return map;
}

function updateItem(u) {
  const located = u.lat !== null && u.lat !== undefined;
  return KH.h("li", { "data-kind": u.kind || "", "data-located": located ? "1" : "0",
    text: [KH.dateTime(u.created_at), u.text || (u.status ? KH.label("task", u.status) : ""), u.note || "", u.author || "", located ? _("with location") : ""].filter(Boolean).join(" · ") });
}

function taskPage(article) {
  const id = article.dataset.taskId;
  const mapEl = document.getElementById("task-map");
  const map = taskMap(mapEl);
  let manual = null, manualMarker = null, meMarker = null, current = null;
  map.on("click", (e) => {
    manual = { lat: e.latlng.lat, lon: e.latlng.lng };
    if (manualMarker) manualMarker.setLatLng(e.latlng); else manualMarker = L.circleMarker(e.latlng, { radius: 8, color: "#0b6e4f" }).addTo(map);
    document.getElementById("location-status").textContent = _("Location set on the map.");
  });

  function load() {
    return KH.get("task", null, id).then((task) => {
      current = task;
      document.getElementById("task-title").textContent = task.title;
      document.getElementById("task-meta").textContent = taskMeta(task);
      article.dataset.status = task.status;
      document.getElementById("task-description").textContent = task.description || "";
      showPlace(task);
      renderButtons();
      document.getElementById("task-updates").replaceChildren(...task.updates.slice().reverse().map(updateItem));
    }).catch((error) => KH.unavailable(document.getElementById("task-meta"), error));
  }
  /* The task's place with a "Navigate" link (a geo: URI opens the phone's map app, also
     offline), and the places its updates were sent from. */
  const placeLayer = L.featureGroup().addTo(map);
  let placed = false;
  function showPlace(task) {
    placeLayer.clearLayers();
    if (task.lat !== null && task.lat !== undefined) L.marker([task.lat, task.lon], { keyboard: false, title: task.title }).addTo(placeLayer);
    task.track.forEach((p) => {
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#1d4ed8", fillColor: "#1d4ed8", fillOpacity: 0.8 })
        .bindTooltip(KH.textContent([KH.dateTime(p.at), p.status ? KH.label("task", p.status) : ""].filter(Boolean).join(" · "))).addTo(placeLayer);
    });
    mapEl.dataset.track = task.track.length;
    let link = document.getElementById("navigate");
    if (task.geo_uri && !link) {
      link = KH.h("a", { id: "navigate", class: "button big navigate", href: task.geo_uri, text: _("Navigate") });
      mapEl.parentNode.insertBefore(KH.h("p", null, link), mapEl.nextSibling);
    }
    if (link && task.geo_uri) link.href = task.geo_uri;
    if (!placed && placeLayer.getLayers().length) { placed = true; map.fitBounds(placeLayer.getBounds().pad(0.3), { maxZoom: 15 }); }
  }
  const readOnly = KH.config.canUpdateTasks === false || article.dataset.canUpdate === "false";
  if (readOnly) {
    document.getElementById("update-form").hidden = true;
    article.insertBefore(KH.h("p", { class: "muted read-only", text: _("You can follow this task; only its assignees and analysts can change it.") }), document.getElementById("status-buttons"));
  }
  function renderButtons() {
    const box = document.getElementById("status-buttons");
    const moves = readOnly ? [] : TRANSITIONS[current.status] || [];
    box.replaceChildren(...moves.map((status) => KH.h("button", { type: "button", class: "big status-" + status, "data-status": status, text: BUTTON_TEXT[status], onclick: () => send({ status }) })));
  }
  function showLocation(loc, withLocation) {
    const status = document.getElementById("location-status");
    if (loc) {
      if (loc.accuracy !== undefined) status.textContent = _("Location attached (±%(m)s m).", { m: KH.num(Math.round(loc.accuracy)) });
      if (meMarker) meMarker.setLatLng([loc.lat, loc.lon]); else meMarker = L.circleMarker([loc.lat, loc.lon], { radius: 7, color: "#1d4ed8", fillOpacity: 0.8 }).addTo(map);
    } else if (withLocation) {
      status.textContent = _("Location unavailable: the update is sent without it. Tap the map to set it by hand.");
    }
  }
  function send(change) {
    const withLocation = document.getElementById("update-location").checked;
    const note = document.getElementById("update-note").value.trim();
    const body = { note: change.note !== undefined ? change.note : note };
    if (change.status) body.status = change.status;
    // The queue may send an update twice (a lost answer); the server applies it once.
    body.idempotency_key = newKey();
    const located = withLocation ? (manual ? Promise.resolve(manual) : locate(8000)) : Promise.resolve(null);
    return located.then((loc) => {
      if (loc) body.geom = { type: "Point", coordinates: [loc.lon, loc.lat] };
      showLocation(loc, withLocation);
      if (current && change.status) { current.status = change.status; article.dataset.status = change.status; renderButtons(); }
      document.getElementById("update-note").value = "";
      return enqueue({ url: KH.url("taskUpdates", id), body });
    }).then((sent) => { if (sent) { KH.flash(_("Sent.")); load(); } });
  }
  document.getElementById("update-form").addEventListener("submit", (e) => { e.preventDefault(); send({}); });
  whenFlushed(load);
  load();
}

showQueue();
flush();
const article = document.getElementById("task");
if (article) taskPage(article);
else { renderList(); renderNearby(document.getElementById("nearby")); }
KH.live((event) => {
  if (event.kind === "task.changed" && !article) renderList();
  if (event.kind === "reconnected") {
    flush();
    if (!article && (event.changed || []).indexOf("tasks") >= 0) renderList();
  }
});
