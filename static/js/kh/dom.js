/* Building the page: elements without innerHTML, the flash message, KPI tiles, colours. */
import { _ } from "./page.js";

/* Build DOM without innerHTML so API text can never inject markup. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach((key) => {
      const value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") el.textContent = value;
      else if (key === "class") el.className = value;
      else if (key === "style") el.style.cssText = value; // CSSOM: allowed by the CSP, unlike a style attribute
      else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    });
  }
  children.flat(Infinity).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return el;
}

/* Leaflet writes a string tooltip or popup with innerHTML: give it a text node instead,
   made fresh each time it opens, so server text is shown and never parsed as markup. */
export function textContent(text) {
  return () => document.createTextNode(text === null || text === undefined ? "" : String(text));
}
/* For the few Leaflet APIs that only take a string (layer control names): escaped text. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

/* A short message that leaves by itself and lets clicks through (it never blocks a form). */
let flashTimer = null;
export function flash(text) {
  const box = document.getElementById("flash");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

/* A KPI tile: label, big value, small line under it. */
export function kpi(label, value, sub, key) {
  return h("div", { class: "kpi", "data-kpi": key }, h("span", { class: "kpi-label", text: label }),
    h("strong", { text: value }), sub ? h("small", { text: sub }) : null);
}

/* A definition list of [label, value] pairs, empty values left out. */
export function facts(pairs) {
  const shown = pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== "");
  return h("dl", { class: "facts" }, shown.map((p) => [h("dt", { text: p[0] }), h("dd", { text: String(p[1]) })]));
}

export function table(head, rows) {
  return h("table", { class: "data" },
    h("thead", null, h("tr", null, head.map((c) => h("th", { text: c })))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", { text: c }))))));
}

/* What a panel shows when its data cannot be loaded. */
export function unavailable(container, error) {
  const text = error && error.status === 404 ? _("Not available yet.") : _("Could not load. It will retry.");
  container.replaceChildren(h("p", { class: "muted unavailable", text }));
}

export const TREND_COLOURS = { new: "#d64545", intensifying: "#f07c29", persistent: "#b7791f", diminishing: "#5b8def" };
export const TREND_FALLBACK = "#b7791f";
export function trendColour(trend) { return TREND_COLOURS[trend] || TREND_FALLBACK; }
export const SEVERITY_COLOURS = ["#9aa5b1", "#5b8def", "#f0b429", "#f07c29", "#d64545", "#8b1a1a"];
