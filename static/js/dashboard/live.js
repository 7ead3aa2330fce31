/* Live events of the dashboard: new incidents drawn at once (if they match the filter bar)
   and counted; every event marks the panels that follow its kind stale (panels.js reloads
   them, spaced out). */
import * as KH from "../kh/index.js";
import { markStale } from "./panels.js";
import { filterParams, selected } from "./filters.js";
import { addFresh } from "./layers/incidents.js";
import { alertChanged } from "./tasks/alert.js";
import { taskChanged } from "./tasks/task.js";
import { alertArrived } from "./alerts/notify.js";

let freshCount = 0;

function matches(incident) {
  const wanted = selected("category"), regions = selected("region"), minSeverity = +(filterParams().get("severity") || 0);
  if (wanted.length && wanted.indexOf(incident.category) < 0) return false;
  if (regions.length && regions.indexOf(incident.region) < 0) return false;
  return incident.severity >= minSeverity;
}

function incidentsCreated(event) {
  event.incidents.filter(matches).forEach((incident) => { freshCount += 1; addFresh(incident); });
  document.getElementById("map").dataset.fresh = freshCount;
  document.getElementById("live-count").textContent = freshCount
    ? KH.plural(KH.ngettext("%(n)s new incident since you opened the page", "%(n)s new incidents since you opened the page", freshCount), freshCount) : "";
  markStale(["incidents"], 1500);
}

export function onLive(event) {
  if (event.kind === "incidents.created") incidentsCreated(event);
  else if (event.kind === "incidents.batch") markStale(["incidents"], 1500);
  else if (event.kind === "alert.changed") { markStale(["alerts"]); alertChanged(event.id); alertArrived(event); }
  else if (event.kind === "task.changed") { markStale(["tasks"]); taskChanged(event.id); }
  else if (event.kind === "reconnected") markStale(event.changed || []);
  // Any other app's event ("sensors.changed"): what follows "sensors" reloads.
  else if (event.kind) markStale([event.kind.split(".")[0]]);
}

export function startLive() { return KH.live(onLive); }
