/* The briefing archive: the reader turns their morning e-mail on or off. */
import * as KH from "/static/js/kh/index.js";

const box = document.getElementById("briefing-subscribe");
box.addEventListener("change", () => {
  KH.post("briefingSubscribe", null, { active: box.checked })
    .then((answer) => KH.flash(answer.active ? KH._("You will receive the briefing by e-mail.")
      : KH._("You will no longer receive the briefing by e-mail.")))
    .catch((error) => { box.checked = !box.checked; KH.flash(error.message || KH._("Could not save.")); });
});
