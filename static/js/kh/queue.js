/* The phone's offline queue of updates, shared by the field pages (task updates in field.js,
   patrol check-ins in patrol/js/my-patrol.js). Updates go into a localStorage queue first
   (one per user, so the phone sends them in the order they were made) and are sent in
   order; a failed network call leaves them queued until the browser is online again. Each
   queued body carries an idempotency key, so an update whose answer was lost and is sent
   again is applied once by the server.
   Not exported from index.js: importing it starts the retry timer, so only the pages that
   queue import it (`import * as Q from "/static/js/kh/queue.js"`). */
import { _, config, ngettext, plural } from "./page.js";
import { api } from "./api.js";
import { flash } from "./dom.js";

const QUEUE_KEY = "kh-field-queue-" + ((config.user || {}).id || "anon");
let flushing = null;
let onFlushed = () => {};

export function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); showQueue(); }

/* The "n updates waiting" line (#queue-status) and body[data-queued]. */
export function showQueue() {
  const box = document.getElementById("queue-status");
  const n = queue().length;
  if (box) {
    box.hidden = n === 0;
    box.textContent = n ? plural(ngettext("%(n)s update waiting for the network", "%(n)s updates waiting for the network", n), n) : "";
  }
  document.body.dataset.queued = n;
}

/* A fresh idempotency key for one update. */
export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random();
}

/* Queue {url, body} (and an optional kind/ref the page reads back with queue()); resolves
   to true when everything queued has been sent. */
export function enqueue(item) {
  const items = queue();
  item.queuedAt = new Date().toISOString();
  items.push(item);
  saveQueue(items);
  return flush();
}

function next() {
  const items = queue();
  if (!items.length) return Promise.resolve(true);
  return api("POST", items[0].url, items[0].body).then(() => {
    saveQueue(queue().slice(1));
    return next();
  }, (error) => {
    if (!(error instanceof Object) || error.status === undefined || error.status === 0 || error.status >= 500) {
      flash(_("Saved on this phone; it will be sent when the network returns."));
      return false; // network down or server trouble: keep it for later
    }
    if (error.status === 401 || (error.status === 403 && /credentials/i.test(error.message))) return false;
    saveQueue(queue().slice(1)); // refused for good (e.g. a status move no longer allowed)
    flash(error.message);
    return next();
  });
}

export function flush() {
  if (flushing) return flushing;
  flushing = next().then((done) => { flushing = null; if (done) onFlushed(); return done; });
  return flushing;
}

/* What the page does once the queue is empty again (reload its lists). */
export function whenFlushed(callback) { onFlushed = callback; }

window.addEventListener("online", () => flush());
setInterval(() => { if (queue().length) flush(); }, 30000);
