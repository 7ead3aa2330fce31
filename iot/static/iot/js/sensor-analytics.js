/* Sensor analytics on the Analytics page (a module the iot app adds to it): the
   noise-reduction ratio (events in ÷ incidents out) per event type and per correlation
   group, and the devices sending rejected events or flooding, from urls.iotAnalytics. */
import * as KH from "/static/js/kh/index.js";

const _ = KH._;
const TYPES = {
  gunshot: _("Gunshot"), crowd: _("Crowd"), loitering: _("Loitering"), plate_hit: _("Plate hit"),
  panic: _("Panic"), tamper: _("Tamper"), smoke: _("Smoke"),
};
const PERIODS = [[1, _("Last day")], [7, _("Last 7 days")], [30, _("Last 30 days")]];

const section = KH.h("section", { class: "card wide", id: "sensor-analytics" },
  KH.h("h2", { text: _("Sensor analytics") }),
  KH.h("p", { class: "muted", text: _("Noise reduction: device events in for every incident out. Higher means fewer, better-founded incidents.") }));
const select = KH.h("select", { id: "sensor-period", "aria-label": _("Period") },
  PERIODS.map(([days, label]) => KH.h("option", { value: days, text: label, selected: days === 7 })));
const types = KH.h("div", { id: "sensor-types" }, KH.h("p", { class: "muted", text: _("Loading…") }));
const groups = KH.h("div", { id: "sensor-groups" });
const devices = KH.h("div", { id: "sensor-devices" });
section.append(
  KH.h("label", {}, _("Period") + " ", select),
  KH.h("h3", { text: _("By event type") }), types,
  KH.h("h3", { text: _("By correlation group") }), groups,
  KH.h("h3", { text: _("Devices with rejected events or rate spikes") }), devices,
);
(document.querySelector(".analytics-grid") || document.getElementById("main")).append(section);

function ratio(value) { return value === null || value === undefined ? "—" : KH.num(value, 1); }
function empty(text) { return KH.h("p", { class: "muted", text }); }

function draw(answer) {
  types.replaceChildren(answer.types.length ? KH.table(
    [_("Event type"), _("Events in"), _("Incidents out"), _("Events per incident")],
    answer.types.map((r) => [TYPES[r.type] || r.type, KH.num(r.events), KH.num(r.incidents), ratio(r.ratio)]))
    : empty(_("No device events in this period.")));
  groups.replaceChildren(answer.groups.length ? KH.table(
    [_("Group"), _("Events in"), _("Candidates"), _("Incidents out"), _("Events per incident")],
    answer.groups.map((r) => [r.group, KH.num(r.events), KH.num(r.candidates), KH.num(r.incidents), ratio(r.ratio)]))
    : empty(_("No candidates in this period.")));
  devices.replaceChildren(answer.devices.length ? KH.table(
    [_("Device"), _("Rejected in period"), _("Rejected in all"), _("Rate spike")],
    answer.devices.map((r) => [r.name, KH.num(r.rejected), KH.num(r.rejected_total),
      r.rate_flagged_at ? _("Flagged %(time)s", { time: KH.dateTime(r.rate_flagged_at) }) : "—"]))
    : empty(_("No device sent rejected events or flooded in this period.")));
  section.dataset.loaded = "1";
}

function load() {
  KH.get("iotAnalytics", new URLSearchParams({ days: select.value }))
    .then(draw)
    .catch((error) => KH.unavailable(types, error));
}
select.addEventListener("change", load);
load();
export default {};
