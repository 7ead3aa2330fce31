/* Numbers, dates and times in the page's language and the profile's time zone. */
import { locale, timeZone, _ } from "./page.js";

const numberFormat = new Intl.NumberFormat(locale);
const percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(locale, { timeZone, day: "numeric", month: "short" });
// Calendar days ("2026-03-01" from the API) are kept as UTC midnights and shown in UTC, so
// a day is the same day whatever the profile's or the browser's zone.
const dayFormat = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short" });
const idFormat = new Intl.NumberFormat(locale, { useGrouping: false });

function blank(value) { return value === null || value === undefined || value === "" || isNaN(Number(value)); }

export function num(value, fraction) {
  if (blank(value)) return "—";
  if (fraction !== undefined) {
    return new Intl.NumberFormat(locale, { maximumFractionDigits: fraction, minimumFractionDigits: fraction }).format(Number(value));
  }
  return numberFormat.format(Number(value));
}
export function pct(value) { return blank(value) ? "—" : percentFormat.format(Number(value)); }
/* An id or a count without grouping, in the page's digits (Arabic-Indic in Arabic). */
export function id(value) { return value === null || value === undefined ? "" : idFormat.format(Number(value)); }

/* An instant (ISO string or Date) in the profile's time zone. */
export function dateTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  return isNaN(d) ? String(value) : dateTimeFormat.format(d);
}
export function shortDate(value) {
  const d = new Date(value);
  return isNaN(d) ? String(value) : dateFormat.format(d);
}
/* A calendar day "YYYY-MM-DD" as a Date (UTC midnight) and its short label. */
export function day(text) { return new Date(text + "T00:00:00Z"); }
export function dayLabel(value) { return dayFormat.format(new Date(value)); }
/* Today's date ("YYYY-MM-DD") in the profile's time zone. */
export function today() { return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date()); }

/* --- date and time typed by a person ------------------------------------------------------
   Typed as dd/mm/yyyy hh:mm in the page's digits (Latin or Arabic-Indic both accepted), in
   the profile's time zone; never the browser's mm/dd/yyyy picker. */
const ARABIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;
export function latinDigits(text) {
  return String(text).replace(ARABIC_DIGITS, (c) => {
    const code = c.charCodeAt(0);
    return String(code >= 0x06F0 ? code - 0x06F0 : code - 0x0660);
  });
}
const zoneParts = new Intl.DateTimeFormat("en-US", {
  timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
function zoneOffset(ms) {
  const v = {};
  zoneParts.formatToParts(new Date(ms)).forEach((p) => { v[p.type] = p.value; });
  return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second) - Math.floor(ms / 1000) * 1000;
}
/* "" → null (no time), unreadable → false, else the ISO instant. */
export function parseDateTime(text) {
  const value = latinDigits(text || "").trim();
  if (!value) return null;
  const m = value.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2}))?$/);
  if (!m) return false;
  const dayOf = +m[1], month = +m[2], year = +m[3];
  const hour = m[4] === undefined ? 23 : +m[4], minute = m[5] === undefined ? 59 : +m[5];
  if (month < 1 || month > 12 || dayOf < 1 || dayOf > 31 || hour > 23 || minute > 59) return false;
  const guess = Date.UTC(year, month - 1, dayOf, hour, minute);
  let instant = guess - zoneOffset(guess);
  instant = guess - zoneOffset(instant);
  const check = new Date(instant + zoneOffset(instant));
  if (check.getUTCDate() !== dayOf) return false; // 31/02 and the like
  return new Date(instant).toISOString();
}
const inputFormat = new Intl.DateTimeFormat(locale, {
  timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
export function formatDateTimeInput(value) {
  const v = {};
  inputFormat.formatToParts(new Date(value)).forEach((p) => { v[p.type] = p.value; });
  return v.day + "/" + v.month + "/" + v.year + " " + v.hour + ":" + v.minute;
}
export function dueExample() {
  const tomorrow = new Date(Date.now() + 86400000);
  tomorrow.setUTCMinutes(0);
  return formatDateTimeInput(tomorrow);
}
export function dueHint(input) {
  input.type = "text";
  input.dir = "ltr";
  input.autocomplete = "off";
  input.placeholder = _("dd/mm/yyyy hh:mm, e.g. %(example)s", { example: dueExample() });
  input.title = input.placeholder;
}
