/* Rule authoring for analysts and superadmins: a form per rule kind generated from the
   kind's parameter schema (GET urls.ruleKinds: the server's rule-kind registry), a preview
   (POST urls.rulePreview: the engine's own evaluator replayed over the last 30 days, drawn
   as an SVG bar chart of firings per day), then save (POST urls.rules, audited). Viewers
   never get the form (config.canEditRules) and the API refuses them anyway. */
import * as KH from "../../kh/index.js";

const SVG = "http://www.w3.org/2000/svg";
let kinds = [];

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach((k) => el.setAttribute(k, attrs[k]));
  return el;
}

/* Firings per day as bars; each bar's <title> names its day and count. */
function chart(perDay) {
  const w = 300, h = 60, max = Math.max(1, ...perDay.map((d) => d.count));
  const bar = w / Math.max(1, perDay.length);
  const box = svg("svg", { viewBox: "0 0 " + w + " " + (h + 2), class: "preview-chart", role: "img", "aria-label": KH._("Firings per day") });
  perDay.forEach((d, i) => {
    const height = d.count ? Math.max(2, (d.count / max) * h) : 0;
    const rect = svg("rect", { x: (i * bar + 1).toFixed(1), y: (h - height).toFixed(1), width: Math.max(1, bar - 2).toFixed(1), height: height.toFixed(1), "data-date": d.date, "data-count": d.count });
    const title = svg("title");
    title.textContent = KH.dateOnly ? KH.dateOnly(d.date) + ": " + KH.num(d.count) : d.date + ": " + KH.num(d.count);
    rect.appendChild(title);
    box.appendChild(rect);
  });
  box.appendChild(svg("line", { x1: 0, y1: h + 1, x2: w, y2: h + 1, class: "axis" }));
  return box;
}

function field(id, label, input) {
  return KH.h("div", { class: "field" }, KH.h("label", { for: id, text: label }), input);
}

function checks(name, legend, options) {
  return KH.h("fieldset", { class: "checks " + name }, KH.h("legend", { text: legend }),
    options.map((o) => KH.h("label", { class: "check" }, KH.h("input", { type: "checkbox", name, value: o.id }), " " + o.label)));
}

/* The filter bar already lists the profile's regions and categories with ids and labels. */
function filterOptions(name) {
  return Array.from(document.querySelectorAll("#filters input[name='" + name + "']")).map((i) => ({ id: i.dataset.id, label: i.dataset.label }));
}

function paramInput(p) {
  const id = "rule-param-" + p.name;
  if (p.type === "list") return checks("param-" + p.name, p.label, p.choices.map((c) => ({ id: c, label: KH.label("trend", c) })));
  const hint = [p.minimum !== null ? "≥ " + KH.num(p.minimum) : "", p.maximum !== null ? "≤ " + KH.num(p.maximum) : ""].filter(Boolean).join(" ");
  return field(id, p.label + (p.required ? " *" : "") + (hint ? " (" + hint + ")" : ""),
    KH.h("input", { id, name: "param-" + p.name, type: "text", inputmode: p.type === "integer" ? "numeric" : "decimal", dir: "ltr", required: p.required, autocomplete: "off", "data-type": p.type }));
}

/* The params object typed by the form; a value that is not a number is an error. */
function readParams(form, kind) {
  const params = {};
  kind.params.forEach((p) => {
    if (p.type === "list") {
      const values = Array.from(form.querySelectorAll("input[name='param-" + p.name + "']:checked")).map((i) => i.value);
      if (values.length) params[p.name] = values;
      return;
    }
    const raw = KH.latinDigits(form.elements["param-" + p.name].value).trim().replace("٫", ".");
    if (raw === "") return;
    const value = Number(raw);
    if (!Number.isFinite(value) || (p.type === "integer" && !Number.isInteger(value))) {
      throw new Error(KH._("%(field)s must be a number.", { field: p.label }));
    }
    params[p.name] = value;
  });
  return params;
}

function body(form) {
  const kind = kinds.find((k) => k.value === form.elements.kind.value);
  const ids = (name) => Array.from(form.querySelectorAll("input[name='" + name + "']:checked")).map((i) => +i.value);
  return { kind: kind.value, severity: form.elements.severity.value, params: readParams(form, kind), regions: ids("regions"), categories: ids("categories") };
}

function errorText(failure) {
  const data = failure.data || failure.body || {};
  const parts = Object.keys(data).map((k) => [].concat(data[k]).join(" "));
  return parts.join(" ") || failure.message;
}

function buildForm(severities) {
  const error = KH.h("p", { class: "error", role: "alert" });
  const result = KH.h("div", { class: "rule-preview", "aria-live": "polite" });
  const params = KH.h("div", { class: "rule-params" });
  const kindSelect = KH.h("select", { id: "rule-kind", name: "kind" }, kinds.map((k) => KH.h("option", { value: k.value, text: k.label })));
  const form = KH.h("form", { class: "rule-form", novalidate: true },
    field("rule-name", KH._("Name"), KH.h("input", { id: "rule-name", name: "name", maxlength: 200, required: true, autocomplete: "off" })),
    field("rule-kind", KH._("Kind"), kindSelect),
    field("rule-severity", KH._("Severity"), KH.h("select", { id: "rule-severity", name: "severity" }, severities.map((s) => KH.h("option", { value: s.value, text: s.label, selected: s.value === "high" })))),
    params,
    checks("regions", KH._("Regions (none: all)"), filterOptions("region")),
    checks("categories", KH._("Categories (none: all)"), filterOptions("category")),
    field("rule-cooldown", KH._("Cooldown (minutes)"), KH.h("input", { id: "rule-cooldown", name: "cooldown", type: "text", inputmode: "numeric", dir: "ltr", value: "60" })),
    error, result,
    KH.h("div", { class: "actions" },
      KH.h("button", { type: "button", class: "preview-rule", text: KH._("Preview") }),
      KH.h("button", { type: "submit", class: "button save-rule", text: KH._("Save rule") })));
  const showParams = () => {
    const kind = kinds.find((k) => k.value === kindSelect.value);
    params.replaceChildren(...kind.params.map(paramInput));
    result.replaceChildren();
  };
  kindSelect.addEventListener("change", showParams);
  showParams();
  form.querySelector(".preview-rule").addEventListener("click", () => preview(form, error, result));
  form.addEventListener("submit", (e) => { e.preventDefault(); save(form, error, result, showParams); });
  return form;
}

function preview(form, error, result) {
  error.textContent = "";
  let data;
  try { data = body(form); } catch (e) { error.textContent = e.message; return; }
  result.replaceChildren(KH.h("p", { class: "muted", text: KH._("Replaying the last 30 days…") }));
  KH.post("rulePreview", undefined, data).then((answer) => {
    result.replaceChildren(
      KH.h("p", { class: "preview-count", "data-firings": answer.firings,
        text: KH.plural(KH.ngettext("Over the last %(days)s days this rule would have fired %(n)s time.", "Over the last %(days)s days this rule would have fired %(n)s times.", answer.firings), answer.firings).split("%(days)s").join(KH.num(answer.days)) }),
      chart(answer.per_day));
  }).catch((failure) => { result.replaceChildren(); error.textContent = errorText(failure); });
}

function save(form, error, result, reset) {
  error.textContent = "";
  let data;
  try { data = body(form); } catch (e) { error.textContent = e.message; return; }
  const cooldown = Number(KH.latinDigits(form.elements.cooldown.value).trim() || "60");
  const name = form.elements.name.value.trim();
  if (!name) { error.textContent = KH._("Give the rule a name."); return; }
  KH.post("rules", undefined, { ...data, name, cooldown_minutes: cooldown, is_active: true }).then((rule) => {
    KH.flash(KH._("Rule “%(name)s” saved.", { name: rule.name }));
    form.reset();
    reset();
    loadRules();
  }).catch((failure) => { error.textContent = errorText(failure); });
}

function loadRules() {
  const list = document.getElementById("rule-list");
  return KH.get("rules").then((page) => {
    const rows = page.results || page;
    list.replaceChildren(...rows.map((r) => KH.h("li", { "data-rule-id": r.id, text: r.name + " · " + ((kinds.find((k) => k.value === r.kind) || {}).label || r.kind) })));
  }).catch((error) => KH.unavailable(list, error));
}

function start() {
  const side = document.querySelector(".dashboard-grid .side");
  if (!side || !KH.config.canEditRules || !KH.has("ruleKinds")) return;
  const card = KH.h("section", { class: "card rules-card", id: "rules-card" }, KH.h("h2", { text: KH._("Alert rules") }),
    KH.h("ul", { id: "rule-list", class: "rule-list" }));
  side.appendChild(card);
  KH.get("ruleKinds").then((answer) => {
    kinds = answer.results;
    const author = KH.h("details", { class: "rule-author" }, KH.h("summary", { text: KH._("New alert rule") }), buildForm(answer.severities));
    card.appendChild(author);
    loadRules();
  }).catch((error) => KH.unavailable(card, error));
}

start();
