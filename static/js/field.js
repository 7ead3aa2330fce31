/* Mobile field view: my tasks, task detail, status and updates with location, offline queue.
   Updates go into a localStorage queue first and are sent in order; a failed network call
   leaves them queued until the browser is online again. */
(function () {
  "use strict";
  var t = KH.t, h = KH.h;
  var QUEUE_KEY = "kh-field-queue-" + ((KH.config.user || {}).id || "anon");
  var PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
  var TREND_COLOURS = { new: "#d64545", intensifying: "#f07c29", persistent: "#b7791f", diminishing: "#5b8def" };
  var OPEN = ["assigned", "accepted", "in_progress"];

  /* --- offline queue -------------------------------------------------------------------- */
  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); showQueue(); }
  function showQueue() {
    var box = document.getElementById("queue-status");
    if (!box) return;
    var n = queue().length;
    box.hidden = n === 0;
    box.textContent = n ? KH.plural("queue_pending", n) : "";
    document.body.dataset.queued = n;
  }
  function enqueue(item) {
    var items = queue();
    item.queuedAt = new Date().toISOString();
    items.push(item);
    saveQueue(items);
    return flush();
  }
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = (function next() {
      var items = queue();
      if (!items.length) return Promise.resolve(true);
      var item = items[0];
      return KH.api("POST", item.url, item.body).then(function () {
        saveQueue(queue().slice(1));
        return next();
      }, function (error) {
        if (!(error instanceof Object) || error.status === undefined || error.status === 0 || error.status >= 500) {
          KH.toast(t("queued_offline"));
          return false; // network down or server trouble: keep it for later
        }
        if (error.status === 401 || error.status === 403 && /credentials/i.test(error.message)) return false;
        saveQueue(queue().slice(1)); // refused for good (e.g. a status move no longer allowed)
        KH.toast(error.message);
        return next();
      });
    })().then(function (done) { flushing = null; if (done) onFlushed(); return done; });
    return flushing;
  }
  var onFlushed = function () {};
  window.addEventListener("online", function () { flush(); });
  setInterval(function () { if (queue().length) flush(); }, 30000);



  /* --- helpers --------------------------------------------------------------------------- */
  function taskPoint(task) {
    var g = task.location || task.geom || (task.geometry);
    if (g && g.coordinates) return [g.coordinates[1], g.coordinates[0]];
    if (task.lat !== undefined && task.lat !== null) return [task.lat, task.lon];
    return null;
  }
  function unwrap(task) { return task && task.properties ? Object.assign({ id: task.id, geometry: task.geometry }, task.properties) : task; }
  function rank(priority) { return priority in PRIORITY_RANK ? PRIORITY_RANK[priority] : 9; }
  function sortTasks(tasks) {
    return tasks.slice().sort(function (a, b) {
      var p = rank(a.priority) - rank(b.priority);
      if (p) return p;
      return (a.due_at ? Date.parse(a.due_at) : Infinity) - (b.due_at ? Date.parse(b.due_at) : Infinity);
    });
  }
  function distanceKm(a, b) {
    var rad = Math.PI / 180, dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    var s = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 12742 * Math.asin(Math.sqrt(s));
  }
  function hotspotCentre(f) {
    var p = f.properties || {};
    if (p.centroid && p.centroid.coordinates) return [p.centroid.coordinates[1], p.centroid.coordinates[0]];
    var coords = [];
    (function walk(c) { if (typeof c[0] === "number") coords.push(c); else c.forEach(walk); })(f.geometry.coordinates);
    var lat = 0, lon = 0;
    coords.forEach(function (c) { lon += c[0]; lat += c[1]; });
    return [lat / coords.length, lon / coords.length];
  }

  var position = null;
  function locate(timeout) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        position = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
        resolve(position);
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: timeout || 8000, maximumAge: 60000 });
    });
  }

  /* --- my tasks -------------------------------------------------------------------------- */
  function renderList() {
    var list = document.getElementById("task-list");
    return KH.api("GET", "/api/commands/tasks/?status=assigned&status=accepted&status=in_progress").then(function (data) {
      var tasks = sortTasks(KH.rows(data).map(unwrap).filter(function (task) { return OPEN.indexOf(task.status) >= 0; }));
      if (!tasks.length) { list.replaceChildren(h("li", { class: "muted", text: t("no_tasks") })); return; }
      var now = Date.now();
      list.replaceChildren.apply(list, tasks.map(function (task) {
        var overdue = task.due_at && Date.parse(task.due_at) < now;
        return h("li", { class: "task-item prio-" + task.priority + (overdue ? " overdue" : ""), "data-task-id": task.id },
          h("a", { href: "/field/tasks/" + task.id + "/" },
            h("strong", { text: task.title }),
            h("span", { class: "meta", text: [t("priority_" + task.priority), t("task_" + task.status),
              task.due_at ? t("due", { when: KH.dateTime(task.due_at) }) : "", overdue ? t("overdue") : ""].filter(Boolean).join(" · ") })));
      }));
    }).catch(function (error) { KH.unavailable(list, error); });
  }

  function renderNearby(listId, map) {
    var list = document.getElementById(listId);
    return Promise.all([KH.has("hotspots") ? KH.api("GET", "/api/analytics/hotspots/").catch(function () { return null; }) : null, locate(6000)]).then(function (r) {
      if (!list) return;
      var features = KH.featureCollection(r[0]).features;
      if (!r[0]) { KH.unavailable(list, { status: 404 }); return; }
      var here = r[1] ? [r[1].lat, r[1].lon] : null;
      var items = features.map(function (f) { var c = hotspotCentre(f); return { f: f, c: c, d: here ? distanceKm(here, c) : null }; });
      items.sort(function (a, b) { return here ? a.d - b.d : (+(b.f.properties || {}).score || 0) - (+(a.f.properties || {}).score || 0); });
      items = items.slice(0, 5);
      if (!items.length) { list.replaceChildren(h("li", { class: "muted", text: t("no_hotspots") })); return; }
      list.replaceChildren.apply(list, items.map(function (item) {
        var p = item.f.properties || {};
        return h("li", { class: "hotspot-item" },
          h("span", { class: "dot", style: "background:" + (TREND_COLOURS[p.trend] || "#b7791f") }),
          h("span", { text: (t("trend_" + p.trend) !== "trend_" + p.trend ? t("trend_" + p.trend) : "") + " · " + KH.num(p.incident_count) + " " + t("incident_count") }),
          item.d !== null ? h("small", { text: t("km_away", { km: KH.num(item.d, 1) }) }) : null);
      }));
      if (map) L.geoJSON(features, { style: function (f) { var c = TREND_COLOURS[(f.properties || {}).trend] || "#b7791f"; return { color: c, weight: 1, fillOpacity: 0.2 }; } }).addTo(map);
    });
  }

  /* --- one task -------------------------------------------------------------------------- */
  var TRANSITIONS = { assigned: ["accepted", "in_progress"], accepted: ["in_progress", "done"], in_progress: ["done"] };
  var BUTTON_TEXT = { accepted: "accept", in_progress: "start", done: "mark_done" };

  function taskPage(article) {
    var id = article.dataset.taskId;
    var mapEl = document.getElementById("task-map");
    var map = L.map(mapEl, { zoomControl: true, attributionControl: false }).setView(KH.config.map.center, 11);
    L.control.attribution({ position: KH.rtl ? "bottomleft" : "bottomright", prefix: false }).addTo(map).addAttribution(KH.escapeHtml(KH.config.map.boundaryAttribution || ""));
    if (KH.config.map.tileUrl) L.tileLayer(KH.config.map.tileUrl, { attribution: KH.escapeHtml(KH.config.map.tileAttribution || "") }).addTo(map);
    else mapEl.classList.add("no-tiles");
    KH.api("GET", "/map/regions").then(function (data) {
      L.geoJSON(KH.featureCollection(data), { style: { color: "#3b4a5a", weight: 1, fillColor: "#dfe6ec", fillOpacity: 0.3 }, interactive: false }).addTo(map);
    }).catch(function () {});
    var manual = null, manualMarker = null, meMarker = null;
    map.on("click", function (e) {
      manual = { lat: e.latlng.lat, lon: e.latlng.lng };
      if (manualMarker) manualMarker.setLatLng(e.latlng); else manualMarker = L.circleMarker(e.latlng, { radius: 8, color: "#0b6e4f" }).addTo(map);
      document.getElementById("location-status").textContent = t("location_manual");
    });

    var current = null;
    function load() {
      return KH.api("GET", "/api/commands/tasks/" + id + "/").then(function (data) {
        current = unwrap(data);
        document.getElementById("task-title").textContent = current.title;
        document.getElementById("task-meta").textContent = [t("priority_" + current.priority), t("task_" + current.status),
          current.due_at ? t("due", { when: KH.dateTime(current.due_at) }) : ""].filter(Boolean).join(" · ");
        article.dataset.status = current.status;
        document.getElementById("task-description").textContent = current.description || "";
        showPlace(current);
        renderButtons();
        var updates = current.updates || [];
        document.getElementById("task-updates").replaceChildren.apply(document.getElementById("task-updates"), updates.slice().reverse().map(function (u) {
          var located = u.lat !== null && u.lat !== undefined;
          return h("li", { "data-kind": u.kind || "", "data-located": located ? "1" : "0", text: [KH.dateTime(u.created_at), u.text || (u.status ? t("task_" + u.status) : ""), u.note || "", u.author || "", located ? t("with_location") : ""].filter(Boolean).join(" · ") });
        }));
      }).catch(function (error) { KH.unavailable(document.getElementById("task-meta"), error); });
    }
    /* The task's place with a "Navigate" link (a geo: URI opens the phone's map app, also
       offline), and the places its updates were sent from. */
    var placeLayer = L.featureGroup().addTo(map), placed = false;
    function showPlace(task) {
      placeLayer.clearLayers();
      var point = taskPoint(task);
      if (point) L.marker(point, { keyboard: false, title: task.title }).addTo(placeLayer);
      (task.track || []).forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 6, color: "#1d4ed8", fillColor: "#1d4ed8", fillOpacity: 0.8 })
          .bindTooltip(KH.textContent([KH.dateTime(p.at), p.status ? t("task_" + p.status) : ""].filter(Boolean).join(" · "))).addTo(placeLayer);
      });
      mapEl.dataset.track = (task.track || []).length;
      var link = document.getElementById("navigate");
      if (task.geo_uri && !link) {
        link = h("a", { id: "navigate", class: "button big navigate", href: task.geo_uri, text: t("navigate") });
        mapEl.parentNode.insertBefore(h("p", null, link), mapEl.nextSibling);
      }
      if (link && task.geo_uri) link.href = task.geo_uri;
      if (!placed && placeLayer.getLayers().length) { placed = true; map.fitBounds(placeLayer.getBounds().pad(0.3), { maxZoom: 15 }); }
    }
    var readOnly = KH.config.canUpdateTasks === false || article.dataset.canUpdate === "false";
    if (readOnly) {
      document.getElementById("update-form").hidden = true;
      article.insertBefore(h("p", { class: "muted read-only", text: t("read_only") }), document.getElementById("status-buttons"));
    }
    function renderButtons() {
      var box = document.getElementById("status-buttons");
      var moves = readOnly ? [] : TRANSITIONS[current.status] || [];
      box.replaceChildren.apply(box, moves.map(function (status) {
        return h("button", { type: "button", class: "big status-" + status, "data-status": status, text: t(BUTTON_TEXT[status]), onclick: function () { send({ status: status }); } });
      }));
    }
    function send(change) {
      var withLocation = document.getElementById("update-location").checked;
      var note = document.getElementById("update-note").value.trim();
      var body = { note: change.note !== undefined ? change.note : note };
      if (change.status) body.status = change.status;
      var located = withLocation ? (manual ? Promise.resolve(manual) : locate(8000)) : Promise.resolve(null);
      return located.then(function (loc) {
        var status = document.getElementById("location-status");
        if (loc) {
          body.geom = { type: "Point", coordinates: [loc.lon, loc.lat] };
          if (loc.accuracy !== undefined) status.textContent = t("location_found", { m: KH.num(Math.round(loc.accuracy)) });
          if (meMarker) meMarker.setLatLng([loc.lat, loc.lon]); else meMarker = L.circleMarker([loc.lat, loc.lon], { radius: 7, color: "#1d4ed8", fillOpacity: 0.8 }).addTo(map);
        } else if (withLocation) {
          status.textContent = t("location_denied");
        }
        if (current && change.status) { current.status = change.status; article.dataset.status = change.status; renderButtons(); }
        document.getElementById("update-note").value = "";
        return enqueue({ url: "/api/commands/tasks/" + id + "/updates/", body: body });
      }).then(function (sent) { if (sent) { KH.toast(t("sent")); load(); } });
    }
    document.getElementById("update-form").addEventListener("submit", function (e) { e.preventDefault(); send({}); });
    onFlushed = load;
    load();
  }

  showQueue();
  flush();
  var article = document.getElementById("task");
  if (article) taskPage(article);
  else { renderList(); renderNearby("nearby", null); }
  KH.live(function (event) {
    if (event.kind === "task.changed") {
      if (!article) renderList();
    }
    if (event.kind === "reconnected") {
      flush();
      if (!article && (event.changed || []).indexOf("tasks") >= 0) renderList();
    }
  });
})();
