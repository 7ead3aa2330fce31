/* The forecast chart of the selected region (or the nation): the last six weeks of daily
   counts (GET urls.mapDaily: {days: [[date, n]]}) and the 7-day forecast with its 80 % and
   95 % intervals (GET urls.forecasts: a page, {results}). Days are calendar days of the
   profile's time zone, drawn as such whatever the browser's zone. */
import * as KH from "../../kh/index.js";
import { timeSeries } from "../../charts.js";
import { addPanel } from "../panels.js";
import { filterParams, regionName, selected } from "../filters.js";

function orNull(v) { return v === undefined || v === null ? null : +v; }

function load() {
  const box = document.getElementById("forecast-chart");
  const region = selected("region")[0] || "";
  document.getElementById("forecast-region").textContent = region ? regionName(region) : KH._("National");
  const params = new URLSearchParams();
  if (region) params.set("region_code", region); else params.set("national", "true");
  params.set("all_categories", "true");
  const historyParams = filterParams();
  historyParams.set("period", "90d");
  historyParams.delete("at");
  return Promise.all([
    KH.get("forecasts", params).catch(() => null),
    KH.get("mapDaily", historyParams).catch(() => null),
  ]).then(([forecasts, daily]) => {
    const rows = (forecasts ? forecasts.results : []).filter((r) => !r.category_code && (region ? r.region_code === region : !r.region));
    const days = daily ? daily.days.slice(-42) : [];
    // Today is not over: its count so far is shown as a marked point, not as the end of the
    // line (which would draw every morning as a cliff).
    const partial = days.length && days[days.length - 1][0] === KH.today() ? days.pop() : null;
    const history = days.map((d) => [KH.day(d[0]), d[1]]);
    const forecast = rows.map((r) => [KH.day(r.date), +r.yhat, orNull(r.lower_80), orNull(r.upper_80), orNull(r.lower_95), orNull(r.upper_95)])
      .sort((a, b) => a[0] - b[0]);
    if (!history.length && !forecast.length) { KH.unavailable(box, { status: 404 }); return; }
    timeSeries(box, {
      history, forecast,
      partial: partial ? [KH.day(partial[0]), partial[1], KH._("today so far")] : null,
    }, { label: KH._("Forecast") });
    box.dataset.partial = partial ? "1" : "0";
    box.dataset.forecastDays = forecast.length;
    box.dataset.lastDay = history.length ? days[days.length - 1][0] : "";
  });
}

addPanel("forecast", load, ["filters"]);
