/* Response measures on the dashboard (a module the briefings app adds to it through the page
   shell): the median and 90th percentile of each response time over the filter bar's
   period, with the change against the period of the same length just before.
   GET urls.measuresCompare ({results: [{measure, first, second, median_change, p90_change}]},
   first = the previous period, second = the current one; all regions and teams). */
import * as KH from "/static/js/kh/index.js";
import { addPanel } from "/static/js/dashboard/panels.js";
import { filterParams } from "/static/js/dashboard/filters.js";

const _ = KH._;
const DAY_MS = 864e5;
const PERIOD_MS = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS, "90d": 90 * DAY_MS, "365d": 365 * DAY_MS };
const MEASURES = [
  ["alert_acknowledge", _("Acknowledge an alert")],
  ["alert_resolve", _("Resolve an alert")],
  ["task_accept", _("Accept a task")],
  ["task_complete", _("Complete a task")],
];

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 90) return _("%(n)s s", { n: KH.num(Math.round(seconds)) });
  if (seconds < 5400) return _("%(value)s min", { value: KH.num(seconds / 60, 1) });
  return _("%(n)s h", { n: KH.num(seconds / 3600, 1) });
}
/* A change of a wait: lower is better. */
function change(value) {
  if (value === null || value === undefined) return KH.h("span", { class: "change", text: "" });
  const arrow = value < 0 ? "▼ " : value > 0 ? "▲ " : "";
  return KH.h("span", { class: "change " + (value < 0 ? "better" : value > 0 ? "worse" : ""), text: arrow + KH.pct(Math.abs(value)) });
}

/* The filter bar's period as [since, until); "all time" shows the last 30 days. */
function period() {
  const bar = filterParams();
  const until = bar.get("until") ? new Date(bar.get("until")) : new Date();
  const length = bar.get("since") ? until - new Date(bar.get("since")) : PERIOD_MS[bar.get("period") || "30d"] || 30 * DAY_MS;
  return [new Date(until - length), until, length];
}

const card = KH.h("section", { class: "card", id: "measures-card" },
  KH.h("h2", { text: _("Response times") }));
const note = KH.h("p", { class: "muted", id: "measures-period" });
const body = KH.h("div", { id: "measures" }, KH.h("p", { class: "muted", text: _("Loading…") }));
card.append(note, body);
const side = document.querySelector(".dashboard .side");
if (side) side.insertBefore(card, side.children[1] || null);

function row(name, label, found) {
  const now = found && found.second;
  return KH.h("tr", { "data-measure": name },
    KH.h("th", { scope: "row", text: label }),
    KH.h("td", { class: "median", text: now ? duration(now.median_seconds) : "—" }),
    KH.h("td", { class: "p90", text: now ? duration(now.p90_seconds) : "—" }),
    KH.h("td", { class: "count", text: now ? KH.num(now.count) : "0" }),
    KH.h("td", { class: "median-change" }, change(found && found.median_change)));
}

function load() {
  if (!side) return Promise.resolve();
  const [since, until, length] = period();
  const query = new URLSearchParams({
    first_since: new Date(since - length).toISOString(), first_until: since.toISOString(),
    second_since: since.toISOString(), second_until: until.toISOString(), by: "all",
  });
  note.textContent = _("Median and 90th percentile, %(from)s – %(to)s; change of the median against the period before.",
    { from: KH.dateTime(since.toISOString()), to: KH.dateTime(until.toISOString()) });
  return KH.get("measuresCompare", query).then((answer) => {
    const byMeasure = {};
    answer.results.forEach((r) => { byMeasure[r.measure] = r; });
    body.replaceChildren(KH.h("table", { class: "measures" },
      KH.h("thead", null, KH.h("tr", null, [_("Time to"), _("Median"), _("90th percentile"), _("Count"), _("Change")].map((t) => KH.h("th", { scope: "col", text: t })))),
      KH.h("tbody", null, MEASURES.map(([name, label]) => row(name, label, byMeasure[name])))));
  }).catch((error) => KH.unavailable(body, error));
}

addPanel("measures", load, ["filters", "alerts", "tasks"]);
export default { key: "measures" };
