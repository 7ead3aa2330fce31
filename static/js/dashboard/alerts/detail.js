/* An alert in depth, inside the alert detail panel (tasks/alert.js): its timeline (raised,
   escalation steps, deliveries per channel with their status, acknowledgements by whom and
   how, notes), the note form (POST urls.alertNotes), and its incidents drawn on the map
   while the alert is shown. */
import * as KH from "../../kh/index.js";
import { canvas, map } from "../map.js";
import { clearOfPanels, onDetailClosed } from "../detail.js";
import { showIncident } from "../layers/incidents.js";

const related = L.featureGroup();

function who(user) { return user || KH._("the system"); }

function eventText(e) {
  const via = e.data && e.data.via ? KH.label("via", e.data.via) : "";
  if (e.kind === "created") return KH._("Raised");
  if (e.kind === "acknowledged") return KH._("Acknowledged by %(who)s via %(via)s", { who: who(e.actor), via: via || "—" });
  if (e.kind === "resolved") return KH._("Resolved by %(who)s", { who: who(e.actor) }) + (via ? " · " + via : "");
  if (e.kind === "escalation_step" || e.kind === "escalation_forced") {
    return KH.label("alertEvent", e.kind) + (e.step_key ? " " + e.step_key : "") + (e.actor ? " · " + e.actor : "");
  }
  const text = KH.label("alertEvent", e.kind);
  return e.actor ? text + " · " + e.actor : text;
}

function deliveryWhen(d) { return d.delivered_at || d.failed_at || d.sent_at || d.queued_at; }

/* Every line of the alert's story, oldest first: events, deliveries and notes. */
function lines(a) {
  const out = [];
  (a.timeline || []).forEach((e) => out.push({ at: e.at, kind: "event-" + e.kind, text: eventText(e), note: e.note }));
  (a.deliveries || []).forEach((d) => out.push({
    at: deliveryWhen(d), kind: "delivery", channel: d.channel, status: d.status,
    text: KH._("%(channel)s to %(who)s: %(status)s", { channel: KH.label("channel", d.channel), who: who(d.recipient), status: KH.label("delivery", d.status) })
      + (d.step_key ? " · " + d.step_key : "") + (d.last_error ? " · " + d.last_error : ""),
  }));
  (a.notes || []).forEach((n) => out.push({ at: n.created_at, kind: "note", text: KH._("Note by %(who)s", { who: who(n.author) }), note: n.text }));
  return out.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}

function timeline(a) {
  return KH.h("ol", { class: "alert-timeline", "aria-label": KH._("Timeline") }, lines(a).map((line) => KH.h("li", {
    class: "tl " + line.kind, "data-kind": line.kind, "data-channel": line.channel || null, "data-status": line.status || null,
  }, KH.h("time", { datetime: line.at, text: KH.dateTime(line.at) }), " ", KH.h("span", { class: "what", text: line.text }),
  line.note ? KH.h("p", { class: "note-text", text: line.note }) : null)));
}

function noteForm(a, reopen) {
  const id = "alert-note-" + a.id;
  const error = KH.h("p", { class: "error", role: "alert" });
  const text = KH.h("textarea", { id, name: "text", rows: 2, maxlength: 4000, required: true });
  const form = KH.h("form", { class: "note-form" },
    KH.h("label", { for: id, text: KH._("Add a note") }), text, error,
    KH.h("button", { type: "submit", class: "button save-note", text: KH._("Save note") }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!text.value.trim()) { error.textContent = KH._("Write the note first."); return; }
    KH.post("alertNotes", a.id, { text: text.value }).then(() => {
      KH.flash(KH._("Note saved."));
      reopen(a.id);
    }).catch((failure) => { error.textContent = failure.message; });
  });
  return form;
}

/* Draw the alert's incidents; a click opens one. */
function drawIncidents(a) {
  related.clearLayers();
  (a.incident_points || []).forEach((p) => {
    const dot = L.circleMarker([p.lat, p.lon], { renderer: canvas, radius: 8, weight: 3, color: "#6b21a8", fillColor: KH.SEVERITY_COLOURS[p.severity], fillOpacity: 0.9 });
    dot.on("click", (e) => { L.DomEvent.stopPropagation(e); showIncident(p.id); });
    related.addLayer(dot);
  });
  document.getElementById("map").dataset.alertIncidents = related.getLayers().length;
  if (related.getLayers().length) related.addTo(map);
}

function showOnMap(a) {
  drawIncidents(a);
  if (related.getLayers().length) map.fitBounds(related.getBounds().pad(0.3), clearOfPanels({ maxZoom: 14 }));
}

onDetailClosed(() => { related.clearLayers(); related.remove(); });

/* The sections the alert panel adds under its facts. */
export function alertDepth(a, reopen) {
  const parts = [KH.h("h3", { text: KH._("Timeline") }), timeline(a)];
  if (KH.config.canUpdateTasks) parts.push(noteForm(a, reopen));
  if ((a.incident_points || []).length) {
    parts.push(KH.h("button", { type: "button", class: "show-incidents", text: KH.plural(KH.ngettext("Show %(n)s incident on the map", "Show %(n)s incidents on the map", a.incident_points.length), a.incident_points.length), onclick: () => showOnMap(a) }));
  }
  if (a.task) parts.push(KH.h("p", { class: "linked-task-id", "data-task-id": a.task, text: KH._("Linked task #%(id)s", { id: KH.id(a.task) }) }));
  setTimeout(() => drawIncidents(a), 0); // after showDetail's closers ran
  return parts;
}
