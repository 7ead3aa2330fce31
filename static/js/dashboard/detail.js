/* The detail panel beside the map (an incident, a hotspot, an alert or a task). */
import * as KH from "../kh/index.js";

const detail = document.getElementById("detail");
const closers = [];

/* Run fn whenever the panel closes or shows something else (e.g. drop a task's track). */
export function onDetailClosed(fn) { closers.push(fn); }

export function showDetail(title, body) {
  closers.forEach((fn) => fn());
  detail.replaceChildren(
    KH.h("div", { class: "panel-head" }, KH.h("h2", { text: title }),
      KH.h("button", { type: "button", class: "close", "aria-label": KH._("Close"), text: "×",
        onclick: () => { detail.hidden = true; closers.forEach((fn) => fn()); } })),
    body
  );
  detail.hidden = false;
}
/* What the panel says when its subject cannot be loaded. */
export function showMissing(title, error) {
  showDetail(title, KH.h("p", { class: "muted", text: error.status === 404 ? KH._("Not available yet.") : KH._("Could not load. It will retry.") }));
}
export function detailWidth() { return detail.hidden ? 0 : detail.offsetWidth + 24; }

/* fitBounds() options that keep what is fitted clear of the detail panel (one side) and the
   open map key (the other side). */
export function clearOfPanels(options = {}) {
  const key = document.querySelector(".map-key");
  const keyWidth = key ? key.offsetWidth + 12 : 0;
  options[KH.rtl ? "paddingBottomRight" : "paddingTopLeft"] = [detailWidth(), 0];
  options[KH.rtl ? "paddingTopLeft" : "paddingBottomRight"] = [keyWidth, 0];
  return options;
}
