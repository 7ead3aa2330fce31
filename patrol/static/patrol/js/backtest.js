/* The patrol efficiency backtest on the Analytics page (a module the patrol app adds to
   it): the latest `manage.py evaluate_patrol` run, incidents covered per patrol hour by the
   plan, the greedy baseline and proportional allocation, from urls.patrol_backtest. */
import * as KH from "/static/js/kh/index.js";

const _ = KH._;
const section = KH.h("section", { class: "card wide", id: "patrol-backtest" },
  KH.h("h2", { text: _("Patrol allocation backtest") }));
const body = KH.h("div", { id: "patrol-backtest-body" }, KH.h("p", { class: "muted", text: _("Loading…") }));
section.append(body);
(document.querySelector(".analytics-grid") || document.getElementById("main")).append(section);

function show(answer) {
  const r = answer.report;
  if (!r) { body.replaceChildren(KH.h("p", { class: "muted", text: _("No patrol backtest yet (manage.py evaluate_patrol).") })); return; }
  const per = r.incidents_per_patrol_hour;
  const names = { plan: _("Plan (optimiser)"), greedy: _("Greedy baseline"), proportional: _("Proportional to counts") };
  body.replaceChildren(
    KH.h("p", { class: "muted", text: _("%(profile)s · %(shifts)s shifts to %(end)s · %(hours)s patrol hours", {
      profile: answer.profile, shifts: KH.num(r.shifts), end: r.end || "", hours: KH.num(r.patrol_hours) }) }),
    KH.h("div", { class: "kpis" },
      KH.kpi(_("Plan ÷ proportional"), KH.num(r.plan_vs_proportional, 2), _("target ≥ 1.25"), "plan-vs-proportional"),
      KH.kpi(_("Plan ÷ greedy"), KH.num(r.plan_vs_greedy, 3), _("target ≥ 1"), "plan-vs-greedy")),
    KH.table([_("Allocation"), _("Incidents covered"), _("Per patrol hour")],
      ["plan", "greedy", "proportional"].map((k) => [names[k], KH.num(r.covered[k], 1), KH.num(per[k], 4)])),
  );
  section.dataset.loaded = "1";
}

KH.get("patrol_backtest").then(show).catch((error) => KH.unavailable(body, error));
export default {};
