/* The task board: open and done tasks in one column per status (GET urls.tasks: a page,
   {results}); a card opens the task. */
import * as KH from "../../kh/index.js";
import { addPanel } from "../panels.js";
import { openTask } from "./task.js";

const COLUMNS = ["assigned", "accepted", "in_progress", "done"];

function card(task) {
  const meta = [KH.label("priority", task.priority), task.due_at ? KH._("due %(when)s", { when: KH.dateTime(task.due_at) }) : "", task.assignee_user || task.assignee_team || ""];
  return KH.h("button", { type: "button", class: "task-card prio-" + task.priority, "data-task-id": task.id, onclick: () => openTask(task.id) },
    KH.h("strong", { text: task.title }), KH.h("small", { text: meta.filter(Boolean).join(" · ") }));
}

function load() {
  const board = document.getElementById("tasks");
  const query = COLUMNS.map((s) => "status=" + s).join("&");
  return KH.get("tasks", query).then((page) => {
    board.replaceChildren(...COLUMNS.map((column) => {
      const cards = page.results.filter((task) => task.status === column);
      return KH.h("section", { class: "column", "data-status": column },
        KH.h("h3", { text: KH.label("task", column) + " (" + KH.num(cards.length) + ")" }), cards.slice(0, 30).map(card));
    }));
  }).catch((error) => KH.unavailable(board, error));
}

addPanel("tasks", load, ["tasks"]);
