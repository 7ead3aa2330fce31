/* The page shell's config (rendered once by the server as #kh-config: language, time zone,
   URLs, user, choice labels) and the words of the page (Django's JavaScript catalogue,
   loaded as /jsi18n/<lang>.js before any module). */

function readConfig() {
  const el = document.getElementById("kh-config");
  try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
}

export const config = readConfig();
export const lang = config.lang || document.documentElement.lang || "en";
export const rtl = !!config.rtl;
export const timeZone = config.timeZone || "UTC";
export const locale = lang === "ar" ? "ar-KW" : "en-GB";

/* One digit system per language: digits written inside translated strings ("24 h") follow
   the page's numbers (Arabic-Indic in Arabic), like every number formatted by format.js. */
const localDigits = new Intl.NumberFormat(locale, { useGrouping: false });
export function digits(text) {
  return String(text).replace(/[0-9]/g, (d) => localDigits.format(+d));
}

const catalogue = {
  gettext: window.gettext || ((text) => text),
  ngettext: window.ngettext || ((one, many, n) => (n === 1 ? one : many)),
};

/* _("Open task #%(id)s", {id: KH.id(7)}): the text in the page's language, values filled in.
   The name "_" is what `makemessages -d djangojs` extracts. */
export function _(text, values) {
  let out = digits(catalogue.gettext(text));
  if (values) {
    Object.keys(values).forEach((name) => { out = out.split("%(" + name + ")s").join(String(values[name])); });
  }
  return out;
}

/* Counted text: plural(ngettext("%(n)s run", "%(n)s runs", n), n), the number formatted. */
export function plural(text, n) {
  const formatted = new Intl.NumberFormat(locale).format(Number(n));
  return digits(text).split("%(n)s").join(formatted);
}
export const ngettext = catalogue.ngettext;

/* The translated label of a choice the server sent (config.labels[kind][value]). */
export function label(kind, value) {
  const labels = (config.labels || {})[kind] || {};
  return labels[value] !== undefined ? labels[value] : (value === null || value === undefined ? "" : String(value));
}

/* A URL the server reversed for this page: url("alerts"), url("task", 7). A URL this
   deployment does not route is missing from the config: has() says so. */
export function has(name) { return !!(config.urls || {})[name]; }
export function url(name, id) {
  const found = (config.urls || {})[name];
  if (!found) throw new Error("No URL " + name);
  return id === undefined ? found : found.split("{id}").join(encodeURIComponent(id));
}
