/* Shift handover: preview the shift's summary, sign it off (outgoing supervisor),
   acknowledge a handover (incoming supervisor), list past handovers.
   GET urls.handoverPreview (summary), urls.handovers (a page: {results});
   POST urls.handovers, urls.handoverAcknowledge {id}. */
import * as KH from "/static/js/kh/index.js";

const _ = KH._;
const form = document.getElementById("handover-form");
const list = document.getElementById("handover-list");
const SHIFT = 8 * 3600 * 1000;

function title(item) { return KH.lang === "ar" && item.title_ar ? item.title_ar : item.title; }

function summaryView(s) {
  const facts = KH.facts([
    [_("Alerts raised"), KH.num(s.alerts_raised)],
    [_("Alerts acknowledged"), KH.num(s.alerts_acknowledged)],
    [_("Alerts resolved"), KH.num(s.alerts_resolved)],
    [_("Tasks"), KH.num(s.tasks)],
    [_("Tasks done"), KH.num(s.tasks_done)],
  ]);
  const acked = s.acknowledged.length ? KH.table([_("Alert"), _("Acknowledged by"), _("At")],
    s.acknowledged.map((a) => ["#" + KH.id(a.id) + " " + title(a), a.by || "—", KH.dateTime(a.at)])) : null;
  const tasks = s.task_list.length ? KH.table([_("Task"), _("Status"), _("Assigned to")],
    s.task_list.map((t) => ["#" + KH.id(t.id) + " " + title(t), KH.label("task", t.status), t.assignee || "—"])) : null;
  const notes = s.notes.length ? KH.table([_("Task"), _("By"), _("Note")],
    s.notes.map((n) => ["#" + KH.id(n.task), n.by || "—", n.note])) : null;
  return KH.h("div", { class: "handover-summary" }, facts, acked, tasks, notes);
}

function shiftOf() {
  const start = KH.parseDateTime(document.getElementById("shift-start").value);
  const end = KH.parseDateTime(document.getElementById("shift-end").value);
  if (!start || !end) { KH.flash(_("Write the times as dd/mm/yyyy hh:mm.")); return null; }
  return { shift_start: start, shift_end: end };
}

function handoverCard(item) {
  const me = KH.config.user && KH.config.user.username;
  const done = !!item.acknowledged_at;
  const action = !done && KH.config.canAct && item.outgoing !== me
    ? KH.h("button", { type: "button", class: "button", "data-acknowledge": item.id,
        onclick: () => acknowledge(item.id) }, _("Acknowledge and take over")) : null;
  return KH.h("article", { class: "handover", "data-handover": item.id },
    KH.h("h3", { text: KH.dateTime(item.shift_start) + " – " + KH.dateTime(item.shift_end) }),
    KH.facts([
      [_("Signed off by"), item.outgoing + " · " + KH.dateTime(item.signed_off_at)],
      [_("Acknowledged by"), done ? item.incoming + " · " + KH.dateTime(item.acknowledged_at) : _("Not yet")],
      [_("Notes"), item.notes || "—"],
    ]),
    summaryView(item.summary), action);
}

function load() {
  KH.get("handovers").then((page) => {
    list.replaceChildren(...(page.results.length ? page.results.map(handoverCard)
      : [KH.h("p", { class: "muted", text: _("No handover yet.") })]));
  }).catch((error) => KH.unavailable(list, error));
}

function acknowledge(id) {
  KH.post("handoverAcknowledge", id).then(() => { KH.flash(_("You have taken over the shift.")); load(); })
    .catch((error) => KH.flash(error.message || _("Could not acknowledge.")));
}

if (form) {
  const now = Date.now();
  document.getElementById("shift-start").value = KH.formatDateTimeInput(now - SHIFT);
  document.getElementById("shift-end").value = KH.formatDateTimeInput(now);
  document.getElementById("handover-preview").addEventListener("click", () => {
    const shift = shiftOf();
    if (!shift) return;
    KH.get("handoverPreview", new URLSearchParams(shift)).then((s) => {
      document.getElementById("handover-summary").replaceChildren(summaryView(s));
    }).catch((error) => KH.flash(error.message || _("Could not load the summary.")));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const shift = shiftOf();
    if (!shift) return;
    KH.post("handovers", null, { ...shift, notes: document.getElementById("handover-notes").value })
      .then(() => { KH.flash(_("Shift signed off.")); form.reset(); load(); })
      .catch((error) => KH.flash(error.message || _("Could not sign off.")));
  });
}
load();
