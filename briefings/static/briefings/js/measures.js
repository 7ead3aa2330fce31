/* Response measures on the Analytics page (a module the briefings app adds to it):
   median and 90th percentile of the last 30 days, by region/severity/team, from urls.measures. */
import * as KH from "/static/js/kh/index.js";

const _ = KH._;
const GROUPS = { all: _("All"), region: _("Region"), severity: _("Severity"), team: _("Team"), week: _("Week") };

function duration(seconds) {
  if (seconds < 90) return _("%(n)s s", { n: KH.num(Math.round(seconds)) });
  if (seconds < 5400) return _("%(value)s min", { value: KH.num(seconds / 60, 1) });
  return _("%(n)s h", { n: KH.num(seconds / 3600, 1) });
}

const section = KH.h("section", { class: "card wide", id: "response-measures" },
  KH.h("h2", { text: _("Response times, last 30 days") }));
const select = KH.h("select", { id: "measures-by", "aria-label": _("Group by") },
  Object.keys(GROUPS).map((key) => KH.h("option", { value: key, text: GROUPS[key] })));
const body = KH.h("div", { id: "measures-table" });
section.append(KH.h("label", {}, _("Group by") + " ", select), body);
(document.querySelector(".analytics-grid") || document.getElementById("main")).append(section);

function load() {
  KH.get("measures", new URLSearchParams({ by: select.value })).then((answer) => {
    body.replaceChildren(answer.results.length ? KH.table(
      [_("Measure"), _("Group"), _("Count"), _("Median"), _("90th percentile")],
      answer.results.map((r) => [answer.measures[r.measure], r.label, KH.num(r.count),
        duration(r.median_seconds), duration(r.p90_seconds)]))
      : KH.h("p", { class: "muted", text: _("No finished responses in this period.") }));
  }).catch((error) => KH.unavailable(body, error));
}
select.addEventListener("change", load);
load();
export default {};
