/* Selecting open alerts in the list and acknowledging them together (POST
   urls.alertAcknowledgeBulk: the server acknowledges each through the one acknowledge
   service, so each is audited and its escalation stops). */
import * as KH from "../../kh/index.js";
import { changed } from "../panels.js";

const chosen = new Set();
let bar = null;

function refresh() {
  if (!bar) return;
  const button = bar.querySelector("button.bulk-ack");
  button.disabled = chosen.size === 0;
  button.textContent = chosen.size
    ? KH.plural(KH.ngettext("Acknowledge %(n)s selected alert", "Acknowledge %(n)s selected alerts", chosen.size), chosen.size)
    : KH._("Acknowledge selected");
}

/* The check box of one alert of the list (open alerts only; for roles that may act). */
export function selectBox(a, title) {
  if (!KH.config.canAct || a.status !== "open") return null;
  return KH.h("input", {
    type: "checkbox", class: "select-alert", "data-select-id": a.id, checked: chosen.has(a.id),
    "aria-label": KH._("Select alert: %(title)s", { title }),
    onchange: (e) => { if (e.target.checked) chosen.add(a.id); else chosen.delete(a.id); refresh(); },
  });
}

function acknowledge() {
  const ids = Array.from(chosen);
  if (!ids.length) return;
  KH.post("alertAcknowledgeBulk", undefined, { ids }).then((answer) => {
    chosen.clear();
    const refused = Object.keys(answer.refused || {}).length;
    KH.flash(KH.plural(KH.ngettext("%(n)s alert acknowledged.", "%(n)s alerts acknowledged.", answer.acknowledged.length), answer.acknowledged.length)
      + (refused ? " " + KH.plural(KH.ngettext("%(n)s could not be.", "%(n)s could not be.", refused), refused) : ""));
    changed(["alerts"]);
  }).catch((error) => KH.flash(error.message));
}

/* The bar over the list; keep only the ids still shown open. */
export function bulkBar(openIds) {
  Array.from(chosen).forEach((id) => { if (openIds.indexOf(id) < 0) chosen.delete(id); });
  if (!KH.config.canAct || !KH.has("alertAcknowledgeBulk")) return null;
  bar = KH.h("div", { class: "bulk-bar" }, KH.h("button", { type: "button", class: "bulk-ack", onclick: acknowledge }));
  refresh();
  return bar;
}
