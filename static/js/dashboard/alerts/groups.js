/* Similar alerts as one group (GET urls.alertGroups: the same rule and region, raised close
   together): a group of one is the alert itself; a larger group is a disclosure with its
   count that opens to its alerts (and stays open across reloads). */
import * as KH from "../../kh/index.js";

const opened = new Set();

function group(g, item, title) {
  const first = g.alerts[0];
  const box = KH.h("details", { class: "alert-group sev-" + g.severity, "data-group-key": g.key, "data-count": g.count, open: opened.has(g.key) },
    KH.h("summary", null, KH.h("span", { class: "badge sev-" + g.severity, text: KH.label("severity", g.severity) }), " ",
      KH.h("span", { class: "group-title", text: title(first) }), " ",
      KH.h("span", { class: "count group-count", text: KH.plural(KH.ngettext("%(n)s similar alert", "%(n)s similar alerts", g.count), g.count) })),
    KH.h("div", { class: "group-alerts" }, g.alerts.map(item)));
  box.addEventListener("toggle", () => { if (box.open) opened.add(g.key); else opened.delete(g.key); });
  return box;
}

export function renderGroups(groups, item, title) {
  return groups.map((g) => (g.count > 1 ? group(g, item, title) : item(g.alerts[0])));
}
