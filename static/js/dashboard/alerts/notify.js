/* A chime (generated with WebAudio: no file, nothing fetched) and a desktop notification
   (the Notification API; permission asked only when the user clicks) for each new critical
   alert that arrives on the live channel, with a mute toggle remembered in localStorage. */
import * as KH from "../../kh/index.js";
import { openAlert } from "../tasks/alert.js";

const MUTE_KEY = "kh.alerts.muted";
const openedAt = Date.now() - 5000; // alerts raised before the page opened are old news
const heard = new Set(), checked = new Set();
let audio = null;

export function muted() {
  try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
}
function setMuted(value) {
  try { localStorage.setItem(MUTE_KEY, value ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
}

/* Two short tones; the context is made (and resumed) on a user click, as browsers require. */
function chime() {
  if (!audio) return false;
  const now = audio.currentTime;
  [880, 660].forEach((freq, i) => {
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.24);
  });
  return true;
}

function desktop(a, title) {
  if (!("Notification" in window) || Notification.permission !== "granted") return false;
  try {
    const note = new Notification(KH._("Critical alert"), { body: title, tag: "kh-alert-" + a.id, lang: KH.lang, dir: KH.rtl ? "rtl" : "ltr" });
    note.onclick = () => { window.focus(); openAlert(a.id); };
    return true;
  } catch (e) { // a browser that only lets service workers show notifications
    count("notifyFailed");
    return false;
  }
}

function count(name) {
  const box = document.getElementById("alert-sound");
  if (box) box.dataset[name] = (+box.dataset[name] || 0) + 1;
}

function isNew(facts) {
  return facts.severity === "critical" && facts.status === "open" && Date.parse(facts.first_seen_at) >= openedAt;
}

/* A live "alert.changed": tell the user once if it is a new, open, critical alert. Each
   alert is fetched once at most (an old or non-critical one is never looked at again). */
export function alertArrived(event) {
  const id = event.id;
  if (heard.has(id) || checked.has(id) || !KH.has("alert")) return;
  checked.add(id);
  KH.get("alert", null, id).then((a) => {
    if (heard.has(id) || !isNew(a)) return;
    heard.add(id);
    count("heard");
    if (muted()) return;
    const title = (KH.lang === "ar" && a.title_ar) || a.title_en;
    if (chime()) count("chimes");
    if (desktop(a, title)) count("notified");
  }).catch(() => { checked.delete(id); count("failed"); }); // asked again on its next event
}

function enable(button) {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (AudioContext && !audio) audio = new AudioContext();
  if (audio && audio.state === "suspended") audio.resume();
  const done = () => {
    const permission = "Notification" in window ? Notification.permission : "unsupported";
    button.closest(".alert-sound").dataset.permission = permission;
    button.hidden = permission === "granted";
  };
  if ("Notification" in window && Notification.permission === "default") Notification.requestPermission().then(done);
  else done();
}

/* The two buttons over the alert list. */
function controls() {
  const mute = KH.h("button", { type: "button", class: "mute-alerts", "aria-pressed": String(muted()) });
  const label = () => { mute.textContent = muted() ? KH._("Sound and notifications off") : KH._("Sound and notifications on"); mute.setAttribute("aria-pressed", String(muted())); };
  mute.addEventListener("click", () => { setMuted(!muted()); label(); });
  label();
  const on = KH.h("button", { type: "button", class: "enable-alerts", text: KH._("Enable desktop notifications and sound") });
  on.addEventListener("click", () => enable(on));
  return KH.h("div", { id: "alert-sound", class: "alert-sound", role: "group", "aria-label": KH._("New critical alerts") }, on, mute);
}

const list = document.getElementById("alerts");
if (list) list.before(controls());
// Audio may only start after a gesture: any first click on the page prepares it.
document.addEventListener("click", () => {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (AudioContext && !audio) audio = new AudioContext();
}, { once: true, capture: true });
