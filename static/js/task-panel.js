/* Command staff's task tools on the dashboard: the create-task dialog, the task detail panel
   (timeline with the update locations on the map, reassign, cancel, due time) and the
   resolve dialog for alerts. Uses the dashboard's map and panel through window.KHDashboard. */
(function () {
  "use strict";
  var t = KH.t, h = KH.h, cfg = KH.config;
  var OPEN = ["assigned", "accepted", "in_progress"];
  var teams = null;
  var track = null;
  var shownTask = null;

  function dash() { return window.KHDashboard; }
  function loadTeams() {
    if (teams) return Promise.resolve(teams);
    return KH.api("GET", "/api/commands/teams/").then(function (data) { teams = KH.rows(data); return teams; }).catch(function () { return []; });
  }
  function teamName(team) { return (KH.lang === "ar" && team.name_ar) || team.name_en || team.slug; }
  function fillTeams(select, list, selectedSlug) {
    var options = [h("option", { value: "", text: "—" })].concat(list.map(function (team) {
      return h("option", { value: team.slug, text: teamName(team), selected: team.slug === selectedSlug });
    }));
    select.replaceChildren.apply(select, options);
  }
  function errorText(error) {
    var body = error.body;
    if (body && typeof body === "object" && !body.detail) {
      return Object.keys(body).map(function (k) { return k + ": " + [].concat(body[k]).join(" "); }).join(" · ");
    }
    return error.message;
  }

  /* --- create ----------------------------------------------------------------------------- */
  function createTask(prefill, done) {
    var dialog = document.getElementById("task-dialog");
    var form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector(".error").textContent = "";
    form.elements.title.value = prefill.title || "";
    KH.dueHint(form.elements.due_at);
    loadTeams().then(function (list) { fillTeams(form.elements.assignee_team, list); dialog.showModal(); });
    form.onsubmit = function (e) {
      e.preventDefault();
      if (e.submitter && e.submitter.value === "cancel") { dialog.close(); return; }
      var due = KH.parseDateTime(form.elements.due_at.value);
      if (due === false) { dialog.querySelector(".error").textContent = t("due_format", { example: KH.dueExample() }); return; }
      var body = { title: form.elements.title.value, priority: form.elements.priority.value };
      if (form.elements.assignee_team.value) body.assignee_team = form.elements.assignee_team.value;
      if (form.elements.assignee_user.value.trim()) body.assignee_user = form.elements.assignee_user.value.trim();
      if (due) body.due_at = due;
      Object.keys(prefill).forEach(function (k) { if (k !== "title") body[k] = prefill[k]; });
      // Made from an alert or hotspot with the offered title: the server writes the title in
      // both languages itself.
      if ((prefill.alert || prefill.hotspot) && body.title === prefill.title) delete body.title;
      KH.api("POST", "/api/commands/tasks/", body).then(function (task) {
        dialog.close();
        KH.toast(t("task_created"));
        dash().changed(["tasks", "alerts"]);
        if (done) done(task);
      }).catch(function (error) {
        if (error.status === 409 && error.body && error.body.task) {
          dialog.close();
          dash().changed(["alerts"]);
          if (done) done({ id: error.body.task });
          return;
        }
        dialog.querySelector(".error").textContent = errorText(error);
      });
    };
  }

  /* --- resolve ---------------------------------------------------------------------------- */
  function resolveAlert(alert) {
    var dialog = document.getElementById("resolve-dialog");
    var form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector(".error").textContent = "";
    dialog.querySelector(".subject").textContent = alert.titleText;
    dialog.showModal();
    form.onsubmit = function (e) {
      e.preventDefault();
      if (e.submitter && e.submitter.value === "cancel") { dialog.close(); return; }
      KH.api("POST", "/api/commands/alerts/" + alert.id + "/resolve/", { note: form.elements.note.value }).then(function () {
        dialog.close();
        KH.toast(t("alert_resolved"));
        dash().changed(["alerts"]);
      }).catch(function (error) { dialog.querySelector(".error").textContent = errorText(error); });
    };
  }

  /* --- detail ----------------------------------------------------------------------------- */
  function openTask(id) {
    return KH.api("GET", "/api/commands/tasks/" + id + "/").then(function (task) {
      dash().showDetail(t("task") + " #" + KH.id(task.id), taskBody(task));
      shownTask = task.id;
      plotTrack(task);
    }).catch(function (error) {
      dash().showDetail(t("task") + " #" + KH.id(id), h("p", { class: "muted", text: error.status === 404 ? t("not_available") : t("load_failed") }));
    });
  }
  function assigneeText(task) {
    return [task.assignee_user, task.assignee_team].filter(Boolean).join(" · ") || "—";
  }
  function taskBody(task) {
    var alert = task.alert_summary;
    var body = h("div", { class: "task-panel", "data-task-id": task.id, "data-status": task.status },
      h("h3", { class: "task-title", text: task.title }),
      dash().facts([
        [t("status"), t("task_" + task.status)],
        [t("priority"), t("priority_" + task.priority)],
        [t("assignee"), assigneeText(task)],
        [t("due_label"), task.due_at ? KH.dateTime(task.due_at) : "—"],
        [t("description"), task.description],
      ]),
      alert ? h("p", { class: "task-alert" }, h("a", { href: "#", class: "open-alert", text: t("from_alert", { id: KH.id(alert.id) }) + " · " + alert.title,
        onclick: function (e) { e.preventDefault(); dash().focusAlert(alert.id); } }), " ", h("span", { class: "badge", text: t("status_" + alert.status) })) : null,
      task.geo_uri ? h("p", null, h("a", { href: task.geo_uri, class: "navigate", text: t("navigate") })) : null);
    if (cfg.canAct && OPEN.indexOf(task.status) >= 0) body.appendChild(actions(task));
    body.appendChild(h("h3", { text: t("updates") }));
    body.appendChild(timeline(task.updates || []));
    return body;
  }
  function timeline(updates) {
    if (!updates.length) return h("p", { class: "muted", text: "—" });
    return h("ol", { class: "timeline" }, updates.slice().reverse().map(function (u) {
      return h("li", { "data-kind": u.kind, "data-located": u.lat !== null && u.lat !== undefined ? "1" : "0" },
        h("span", { class: "when", text: KH.dateTime(u.created_at) }), " ",
        h("strong", { text: u.text || (u.status ? t("task_" + u.status) : "") }), " ",
        u.note ? h("q", { text: u.note }) : null, " ",
        h("small", { text: [u.author || "", u.lat !== null && u.lat !== undefined ? t("with_location") : ""].filter(Boolean).join(" · ") }));
    }));
  }
  function actions(task) {
    var box = h("div", { class: "task-actions" });
    var teamSelect = h("select", { name: "team", id: "reassign-team", "aria-label": t("team") });
    var userInput = h("input", { name: "user", id: "reassign-user", autocomplete: "off", placeholder: t("username") });
    loadTeams().then(function (list) { fillTeams(teamSelect, list, task.assignee_team); });
    var dueInput = h("input", { name: "due", id: "task-due-edit", inputmode: "numeric", value: task.due_at ? KH.formatDateTimeInput(task.due_at) : "" });
    KH.dueHint(dueInput);
    var note = h("input", { name: "note", id: "cancel-note", placeholder: t("reason_optional") });
    var error = h("p", { class: "error", role: "alert" });
    function act(path, body) {
      error.textContent = "";
      return KH.api("POST", "/api/commands/tasks/" + task.id + "/" + path + "/", body).then(function (fresh) {
        KH.toast(t("saved"));
        dash().changed(["tasks"]);
        return openTask(fresh && fresh.id ? fresh.id : task.id);
      }).catch(function (e) { error.textContent = errorText(e); });
    }
    box.append(
      h("form", { class: "inline-form reassign", onsubmit: function (e) {
        e.preventDefault();
        var body = userInput.value.trim() ? { assignee_user: userInput.value.trim() } : { assignee_team: teamSelect.value };
        if (!body.assignee_user && !body.assignee_team) return;
        act("assign", body);
      } }, h("label", { for: "reassign-team", text: t("reassign") }), teamSelect, userInput, h("button", { type: "submit", class: "button", text: t("reassign") })),
      h("form", { class: "inline-form due", onsubmit: function (e) {
        e.preventDefault();
        var due = KH.parseDateTime(dueInput.value);
        if (due === false) { error.textContent = t("due_format", { example: KH.dueExample() }); return; }
        act("due", { due_at: due });
      } }, h("label", { for: "task-due-edit", text: t("due_label") }), dueInput, h("button", { type: "submit", class: "button", text: t("set_due") })),
      h("form", { class: "inline-form cancel", onsubmit: function (e) {
        e.preventDefault();
        act("cancel", { note: note.value });
      } }, h("label", { for: "cancel-note", text: t("cancel_task") }), note, h("button", { type: "submit", class: "button danger", text: t("cancel_task") })),
      error);
    return box;
  }
  function plotTrack(task) {
    var map = dash().map;
    if (track) map.removeLayer(track);
    track = L.featureGroup().addTo(map);
    var points = (task.track || []).map(function (p) { return [p.lat, p.lon]; });
    if (task.lat !== null && task.lat !== undefined) {
      L.circleMarker([task.lat, task.lon], { radius: 9, color: "#0b6e4f", weight: 3, fillOpacity: 0.3 })
        .bindTooltip(KH.textContent(task.title)).addTo(track);
    }
    (task.track || []).forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#1d4ed8", fillColor: "#1d4ed8", fillOpacity: 0.8 })
        .bindTooltip(KH.textContent([KH.dateTime(p.at), p.status ? t("task_" + p.status) : "", p.author || ""].filter(Boolean).join(" · ")))
        .addTo(track);
    });
    if (points.length > 1) L.polyline(points, { color: "#1d4ed8", weight: 2, dashArray: "4 4", interactive: false }).addTo(track);
    document.getElementById("map").dataset.track = points.length;
    if (track.getLayers().length) map.fitBounds(track.getBounds().pad(0.5), { maxZoom: 15 });
  }
  /* --- alert ------------------------------------------------------------------------------ */
  var shownAlert = null;
  function openAlert(id) {
    return KH.api("GET", "/api/commands/alerts/" + id + "/").then(function (alert) {
      dash().showDetail(t("from_alert", { id: KH.id(alert.id) }), alertBody(alert));
      shownAlert = alert.id;
    }).catch(function (error) {
      dash().showDetail(t("from_alert", { id: KH.id(id) }), h("p", { class: "muted", text: error.status === 404 ? t("not_available") : t("load_failed") }));
    });
  }
  function alertBody(a) {
    var title = dash().alertTitle(a);
    var body = h("div", { class: "alert-panel", "data-alert-id": a.id, "data-status": a.status },
      h("h3", { text: title }),
      h("p", { text: (KH.lang === "ar" && a.message_ar) || a.message_en || "" }),
      dash().facts([
        [t("severity"), t("severity_" + a.severity)],
        [t("status"), t("status_" + a.status)],
        [t("region"), a.region ? dash().regionLabelById(a.region) : ""],
        [t("first_seen"), KH.dateTime(a.first_seen_at)],
        [t("last_seen"), KH.dateTime(a.last_seen_at) + (a.count > 1 ? " · ×" + KH.num(a.count) : "")],
      ]));
    var tasks = (a.tasks || []).map(function (task) {
      return h("li", null, h("a", { href: "#", class: "linked-task", "data-task-id": task.id, text: t("task") + " #" + KH.id(task.id) + " · " + task.title + " · " + t("task_" + task.status),
        onclick: function (e) { e.preventDefault(); openTask(task.id); } }));
    });
    if (tasks.length) body.append(h("h3", { text: t("tasks") }), h("ul", { class: "linked-tasks" }, tasks));
    var actions = h("div", { class: "actions" });
    if (a.hotspot_id) actions.appendChild(h("button", { type: "button", class: "show-hotspot", text: t("show_hotspot"), onclick: function () { dash().showHotspotOnMap(a.hotspot_id); } }));
    var active = a.status === "open" || a.status === "acknowledged";
    if (cfg.canAct && a.status === "open") {
      actions.appendChild(h("button", { type: "button", class: "ack", text: t("acknowledge"), onclick: function () {
        dash().alertAction(a, "acknowledge").then(function () { openAlert(a.id); });
      } }));
    }
    if (cfg.canAct && active) {
      actions.appendChild(h("button", { type: "button", class: "resolve", text: t("resolve"), onclick: function () { resolveAlert({ id: a.id, titleText: title }); } }));
      if (a.open_task) actions.appendChild(h("button", { type: "button", class: "open-task", text: t("open_task", { id: KH.id(a.open_task) }), onclick: function () { openTask(a.open_task); } }));
      else actions.appendChild(h("button", { type: "button", class: "task", text: t("create_task"), onclick: function () {
        createTask({ alert: a.id, title: title }, function (task) { openTask(task.id); });
      } }));
    }
    body.appendChild(actions);
    return body;
  }
  function onAlertChanged(id) { if (shownAlert === id) openAlert(id); }

  function closed() {
    shownAlert = null;
    shownTask = null;
    if (track) { dash().map.removeLayer(track); track = null; }
  }
  function onTaskChanged(id) { if (shownTask === id) openTask(id); }

  window.KHTasks = {
    create: createTask, open: openTask, resolve: resolveAlert, closed: closed, changed: onTaskChanged,
    openAlert: openAlert, alertChanged: onAlertChanged,
  };
})();
