/* Tiny SVG charts (no library): a time series of calendar days (UTC-midnight Dates, see
   KH.day) with forecast intervals, and grouped bars. */
import * as KH from "./kh/index.js";

var NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  var el = document.createElementNS(NS, tag);
  Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
  if (text !== undefined) el.textContent = text;
  return el;
}

/* series: {history: [[Date, n]], forecast: [[Date, yhat, lo80, hi80, lo95, hi95]]} */
function timeSeries(container, series, options) {
  options = options || {};
  var width = options.width || 520, height = options.height || 200;
  var pad = { left: 40, right: 24, top: 10, bottom: 24 };
  var all = [];
  (series.history || []).forEach(function (p) { all.push([p[0], p[1]]); });
  if (series.partial) all.push([series.partial[0], series.partial[1]]);
  (series.forecast || []).forEach(function (p) {
    all.push([p[0], p[1]]);
    [p[2], p[3], p[4], p[5]].forEach(function (v) { if (v !== null && v !== undefined) all.push([p[0], v]); });
  });
  container.replaceChildren();
  if (!all.length) return;
  var t0 = Math.min.apply(null, all.map(function (p) { return +p[0]; }));
  var t1 = Math.max.apply(null, all.map(function (p) { return +p[0]; }));
  var vmax = Math.max(1, Math.max.apply(null, all.map(function (p) { return p[1]; })));
  function x(t) { return pad.left + (t1 === t0 ? 0 : (+t - t0) / (t1 - t0)) * (width - pad.left - pad.right); }
  function y(v) { return height - pad.bottom - (Math.max(0, v) / vmax) * (height - pad.top - pad.bottom); }
  var root = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-label": options.label || "" });
  root.appendChild(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: "axis" }));
  [0, 0.5, 1].forEach(function (f) {
    var v = vmax * f;
    root.appendChild(svg("text", { x: pad.left - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" }, KH.num(Math.round(v))));
  });
  function band(lo, hi, cls) {
    var pts = (series.forecast || []).filter(function (p) { return p[lo] !== null && p[lo] !== undefined; });
    if (!pts.length) return;
    var d = pts.map(function (p, i) { return (i ? "L" : "M") + x(p[0]) + "," + y(p[hi]); }).join("") +
      pts.slice().reverse().map(function (p) { return "L" + x(p[0]) + "," + y(p[lo]); }).join("") + "Z";
    root.appendChild(svg("path", { d: d, class: cls }));
  }
  band(4, 5, "band95");
  band(2, 3, "band80");
  function line(points, cls) {
    if (!points.length) return;
    var d = points.map(function (p, i) { return (i ? "L" : "M") + x(p[0]) + "," + y(p[1]); }).join("");
    root.appendChild(svg("path", { d: d, class: cls }));
  }
  line(series.history || [], "history");
  line(series.forecast || [], "forecast");
  if (series.partial) {
    var dot = svg("circle", { cx: x(series.partial[0]), cy: y(series.partial[1]), r: 3.5, class: "partial history" });
    dot.appendChild(svg("title", {}, series.partial[2] + ": " + KH.num(series.partial[1])));
    root.appendChild(dot);
  }
  var ticks = 5;
  for (var i = 0; i <= ticks; i++) {
    var t = t0 + (t1 - t0) * i / ticks;
    root.appendChild(svg("text", { x: x(t), y: height - 6, "text-anchor": "middle", class: "tick" }, KH.dayLabel(t)));
  }
  container.appendChild(root);
}

/* groups: [{label, values: [{name, value, cls, text}]}]: a heading row per group, then bars. */
function bars(container, groups, options) {
  options = options || {};
  var width = options.width || 640, rowHeight = 20, headHeight = 20, gap = 8;
  var count = groups.reduce(function (n, g) { return n + g.values.length; }, 0);
  var height = count * rowHeight + groups.length * (headHeight + gap) + 4;
  var max = options.max || Math.max.apply(null, [1e-9].concat(groups.reduce(function (a, g) {
    return a.concat(g.values.map(function (v) { return v.value || 0; }));
  }, [])));
  var labelWidth = 140, valueWidth = 60;
  var root = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart bars", role: "img", "aria-label": options.label || "" });
  var yPos = 2;
  groups.forEach(function (g) {
    root.appendChild(svg("text", { x: 0, y: yPos + 14, class: "group" }, g.label));
    yPos += headHeight;
    g.values.forEach(function (v) {
      var w = ((v.value || 0) / max) * (width - labelWidth - valueWidth);
      root.appendChild(svg("text", { x: 8, y: yPos + 14, class: "tick" }, v.name));
      root.appendChild(svg("rect", { x: labelWidth, y: yPos + 3, width: Math.max(1, w), height: rowHeight - 6, class: "bar " + (v.cls || "") }));
      root.appendChild(svg("text", { x: labelWidth + w + 4, y: yPos + 14, class: "tick" }, v.text !== undefined ? v.text : KH.num(v.value, 2)));
      yPos += rowHeight;
    });
    yPos += gap;
  });
  container.replaceChildren(root);
}

export { timeSeries, bars };
