/* The incident list beside the map: the incidents the filter bar (and its search box) shows,
   sortable by column, in numbered pages, and exported as CSV or GeoJSON.
   GET urls.incidentTable ({count, next, previous, results}) with the incidents API's filters
   (the same FilterSet as /api/incidents/), ?ordering=key|-key&page=n; the export links are
   urls.incidentExportCsv / urls.incidentExportGeojson with the very same parameters, so the
   file holds exactly the rows listed. A row (click, Enter or Space) pans the map to the
   incident and opens its detail. */
import * as KH from "../../kh/index.js";
import { addPanel } from "../panels.js";
import { filterParams } from "../filters.js";
import { map } from "../map.js";
import { showIncident } from "../layers/incidents.js";

const _ = KH._;
const PAGE_SIZE = 25;
const DAY_MS = 864e5;
const PERIOD_MS = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS, "90d": 90 * DAY_MS, "365d": 365 * DAY_MS, all: 0 };
const EXPORTERS = ["analyst", "superadmin"]; // the API's policy; it refuses everyone else
const COLUMNS = [
  { key: "id", label: "#", cell: (r) => "#" + KH.id(r.id) },
  { key: "occurred_at", label: _("Occurred"), cell: (r) => KH.dateTime(r.occurred_at) },
  { key: "category", label: _("Category"), cell: (r) => (KH.lang === "ar" && r.category_name_ar) || r.category_name_en || r.category },
  { key: "region", label: _("Region"), cell: (r) => (KH.lang === "ar" && r.region_name_ar) || r.region_name_en || r.region || "" },
  { key: "area", label: _("Area · block"), cell: (r) => [r.area, r.block].filter(Boolean).join(" · ") },
  { key: "severity", label: _("Severity"), cell: (r) => KH.num(r.severity) },
  { key: null, label: _("Description"), cell: (r) => (r.description || "").slice(0, 120) },
];

const box = document.getElementById("incident-list");
let ordering = "-occurred_at";
let page = 1;

/* The filter bar as incidents API parameters (the same mapping as the map layer's
   commands.selectors.maplayer.incident_filter_params): the period becomes occurred_after. */
export function incidentQuery() {
  const bar = filterParams();
  const query = new URLSearchParams();
  const period = PERIOD_MS[bar.get("period") || "30d"];
  if (bar.get("since")) query.set("occurred_after", bar.get("since"));
  else if (period) query.set("occurred_after", new Date(Date.now() - period).toISOString());
  if (bar.get("until")) query.set("occurred_before", bar.get("until"));
  ["category", "region"].forEach((name) => { if (bar.getAll(name).length) query.set(name, bar.getAll(name).join(",")); });
  if (bar.get("severity")) query.set("severity_min", bar.get("severity"));
  if (bar.get("q")) query.set("q", bar.get("q").trim());
  return query;
}

function sortBy(key) {
  ordering = ordering === key ? "-" + key : key;
  page = 1;
  return load("sort");
}
function header(column) {
  if (!column.key) return KH.h("th", { scope: "col", text: column.label });
  const key = ordering.replace(/^-/, "");
  const sorted = key === column.key ? (ordering[0] === "-" ? "descending" : "ascending") : null;
  const arrow = sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : "";
  return KH.h("th", { scope: "col", "aria-sort": sorted || "none", "data-sort": column.key },
    KH.h("button", { type: "button", text: column.label + arrow, onclick: () => sortBy(column.key) }));
}
function open(row) {
  map.setView([row.lat, row.lon], Math.max(map.getZoom(), 15));
  showIncident(row.id);
}
function line(row) {
  const tr = KH.h("tr", { tabindex: "0", "data-id": row.id, "aria-label": _("Incident") + " #" + KH.id(row.id) },
    COLUMNS.map((column) => KH.h("td", { text: column.cell(row) })));
  tr.addEventListener("click", () => open(row));
  tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(row); } });
  return tr;
}

function exportLinks(query, count) {
  const role = ((KH.config.user || {}).role) || "";
  if (EXPORTERS.indexOf(role) < 0 || !KH.has("incidentExportCsv")) return null;
  const limit = KH.config.exportMaxRows || 0;
  if (limit && count > limit) {
    return KH.h("span", { class: "muted", id: "export-too-large", text: _("Narrow the filters to export (at most %(n)s rows).", { n: KH.num(limit) }) });
  }
  const link = (name, text) => KH.h("a", { class: "button", href: KH.url(name) + "?" + query.toString(), download: "", "data-export": text.toLowerCase(), text: text });
  return KH.h("span", { class: "exports" }, _("Export") + " ",
    link("incidentExportCsv", "CSV"), " ", link("incidentExportGeojson", "GeoJSON"));
}

function pager(count) {
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const go = (n) => { page = n; load("page"); };
  return KH.h("nav", { class: "pager", "aria-label": _("Pages") },
    KH.h("button", { type: "button", class: "prev", disabled: page <= 1, text: _("Previous"), onclick: () => go(page - 1) }),
    KH.h("span", { class: "page-of", text: _("Page %(n)s of %(total)s", { n: KH.num(page), total: KH.num(pages) }) }),
    KH.h("button", { type: "button", class: "next", disabled: page >= pages, text: _("Next"), onclick: () => go(page + 1) }));
}

function render(answer, query) {
  const count = answer.count;
  const summary = KH.h("span", { id: "incident-count", role: "status", text: KH.plural(KH.ngettext("%(n)s incident", "%(n)s incidents", count), count) });
  const head = KH.h("div", { class: "list-head" }, summary, exportLinks(query, count));
  if (!count) {
    box.replaceChildren(head, KH.h("p", { class: "muted", text: _("No incidents match the filters.") }));
    return;
  }
  const table = KH.h("table", { class: "data", id: "incident-table" },
    KH.h("thead", null, KH.h("tr", null, COLUMNS.map(header))),
    KH.h("tbody", null, answer.results.map(line)));
  box.replaceChildren(head, table, pager(count));
}

let request = 0;
function load(reason) {
  if (reason === "filters") page = 1;
  const query = incidentQuery();
  const asked = new URLSearchParams(query);
  asked.set("ordering", ordering);
  asked.set("page", page);
  asked.set("page_size", PAGE_SIZE);
  const mine = ++request;
  const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement : null;
  const refocus = focused ? (focused.closest("th") ? '[data-sort="' + focused.closest("th").dataset.sort + '"] button' : focused.classList.contains("next") ? ".next" : focused.classList.contains("prev") ? ".prev" : null) : null;
  return KH.get("incidentTable", asked).then((answer) => {
    if (mine !== request) return;
    render(answer, query);
    box.dataset.count = answer.count;
    box.dataset.page = page;
    box.dataset.ordering = ordering;
    const again = refocus ? box.querySelector(refocus) : null;
    if (again && !again.disabled) again.focus();
  }).catch((error) => {
    if (error && error.status === 404 && page > 1) { page = 1; return load("page"); } // the list shrank
    return KH.unavailable(box, error);
  });
}

addPanel("incidentList", load, ["filters", "incidents"]);
