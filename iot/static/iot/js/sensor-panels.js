/* The dashboard's sensor panels (a module the iot app adds to it, iot/apps.py): recent device
   events (GET urls.iotEvents, newest first) and incident candidates (GET urls.iotCandidates);
   clicking a candidate shows its evidence in the detail panel (GET urls.iotEvidence: its
   events, their types and devices, its confidence) with a link to its incident once it became
   one. Both panels reload on the filters, on live incidents (a sensor incident is one) and on
   their Refresh button. The default export is the map layer of the candidates (rings). */
import * as KH from "/static/js/kh/index.js";
import { canvas } from "/static/js/dashboard/map.js";
import { showDetail, showMissing } from "/static/js/dashboard/detail.js";
import { addPanel, load as loadPanel } from "/static/js/dashboard/panels.js";
import { showIncident } from "/static/js/dashboard/layers/incidents.js";

const _ = KH._;
const SHOWN = 10;
const rings = L.layerGroup();
const TYPES = {
  gunshot: _("Gunshot"), crowd: _("Crowd"), loitering: _("Loitering"), plate_hit: _("Plate hit"),
  panic: _("Panic"), tamper: _("Tamper"), smoke: _("Smoke"),
};
const GROUPS = { gunshot: _("Gunshots"), disorder: _("Disorder"), loitering: _("Loitering"), plate_hit: _("Plate hits") };

function typeName(type) { return TYPES[type] || type; }
function groupName(group) { return GROUPS[group] || group; }
function pct(value) { return KH.num(Math.round(value * 100)) + "%"; }

function card(id, title) {
  const body = KH.h("div", { id, class: "sensor-list" }, KH.h("p", { class: "muted", text: _("Loading…") }));
  const refresh = KH.h("button", { type: "button", class: "link", "data-refresh": id, text: _("Refresh"),
    onclick: () => loadPanel(id, "changed").catch(() => {}) });
  const section = KH.h("section", { class: "card" }, KH.h("div", { class: "panel-head" }, KH.h("h2", { text: title }), refresh), body);
  (document.querySelector(".dashboard-grid .side") || document.getElementById("main")).append(section);
  return body;
}
const eventsBox = card("iot-events", _("Recent sensor events"));
const candidatesBox = card("iot-candidates", _("Sensor incident candidates"));

function empty(box, text) { box.replaceChildren(KH.h("p", { class: "muted", text })); }

function loadEvents() {
  return KH.get("iotEvents").then((page) => {
    const rows = page.results.slice(0, SHOWN);
    if (!rows.length) { empty(eventsBox, _("No device events in the last day.")); return; }
    eventsBox.replaceChildren(KH.table([_("Time"), _("Type"), _("Device"), _("Confidence")],
      rows.map((e) => [KH.dateTime(e.occurred_at), typeName(e.type), e.device_name, pct(e.confidence)])));
    eventsBox.dataset.count = rows.length;
  }).catch((error) => KH.unavailable(eventsBox, error));
}

/* Promoted candidates and those with several devices first: they are what an operator checks. */
function rank(c) { return (c.status === "promoted" ? 2 : 0) + (Object.keys(c.devices).length > 1 ? 1 : 0); }

function candidateLine(c) {
  const devices = Object.keys(c.devices).length;
  const summary = [groupName(c.group), pct(c.confidence),
    KH.plural(KH.ngettext("%(n)s event", "%(n)s events", c.event_count), c.event_count),
    KH.plural(KH.ngettext("%(n)s device", "%(n)s devices", devices), devices)].join(" · ");
  return KH.h("li", null, KH.h("button", { type: "button", class: "link candidate", "data-candidate": c.id,
    onclick: () => showEvidence(c.id) }, summary),
  c.incident ? KH.h("span", { class: "badge", text: " " + _("Incident") + " #" + KH.id(c.incident) }) : null);
}

function loadCandidates() {
  return KH.get("iotCandidates").then((page) => {
    const rows = page.results.slice().sort((a, b) => rank(b) - rank(a)).slice(0, SHOWN);
    if (!rows.length) { empty(candidatesBox, _("No candidates yet.")); return; }
    candidatesBox.replaceChildren(KH.h("ul", { class: "plain" }, rows.map(candidateLine)));
    candidatesBox.dataset.count = rows.length;
    rings.clearLayers();
    rows.forEach((c) => {
      const ring = L.circleMarker([c.lat, c.lon], { renderer: canvas, radius: 10, weight: 2, color: c.incident ? "#6a1b9a" : "#ab47bc", fill: false });
      ring.on("click", (e) => { L.DomEvent.stopPropagation(e); showEvidence(c.id); });
      rings.addLayer(ring);
    });
  }).catch((error) => KH.unavailable(candidatesBox, error));
}

/* A candidate's evidence: what it is, its events (time, type, device, confidence). */
export function showEvidence(id) {
  const title = _("Sensor candidate") + " #" + KH.id(id);
  KH.get("iotEvidence", null, id).then((answer) => {
    const c = answer.candidate;
    const types = Array.from(new Set(answer.events.map((e) => typeName(e.type)))).join(", ");
    const devices = Array.from(new Set(answer.events.map((e) => e.device_name))).join(", ");
    const link = c.incident ? KH.h("button", { type: "button", class: "link", "data-incident": c.incident,
      text: _("Open incident #%(id)s", { id: KH.id(c.incident) }), onclick: () => showIncident(c.incident) })
      : KH.h("p", { class: "muted", text: _("Not an incident yet: below its group's confidence threshold.") });
    showDetail(title, KH.h("div", { class: "evidence", "data-candidate": c.id },
      KH.facts([
        [_("Group"), groupName(c.group)],
        [_("Confidence"), pct(c.confidence)],
        [_("Event types"), types],
        [_("Devices"), devices],
        [_("First event"), KH.dateTime(c.started_at)],
        [_("Last event"), KH.dateTime(c.last_at)],
      ]),
      link,
      KH.h("h3", { text: _("Evidence") }),
      KH.table([_("Time"), _("Type"), _("Device"), _("Confidence")],
        answer.events.map((e) => [KH.dateTime(e.occurred_at), typeName(e.type), e.device_name, pct(e.confidence)])),
      answer.truncated ? KH.h("p", { class: "muted", text: _("Only the first events are shown.") }) : null));
  }).catch((error) => showMissing(title, error));
}

addPanel("iot-events", loadEvents, ["filters", "incidents"]);
addPanel("iot-candidates", loadCandidates, ["filters", "incidents"]);

export default {
  key: "iotCandidateRings",
  label: _("Sensor incident candidates"),
  layer: rings,
  shown: true,
};
