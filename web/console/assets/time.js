// time.js: durations and wall times in a person's zone (Intl does the
// zones; the browser's own zone is never assumed to be the person's).

/** duration formats ms as m:ss, or h:mm:ss from an hour on. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** dateTime formats an RFC 3339 time or ms for lang in zone. */
export function dateTime(t, lang, zone) {
  const d = typeof t === "number" ? new Date(t) : new Date(Date.parse(t));
  return new Intl.DateTimeFormat(lang, { timeZone: zone, dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** clockTime formats ms as the hour and minute in zone. */
export function clockTime(ms, lang, zone) {
  return new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

// offsetMs is zone's offset from UTC at the instant utcMs.
function offsetMs(utcMs, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - utcMs;
}

/**
 * fromLocalInput reads a datetime-local value ("2026-05-04T15:30", or with
 * seconds, "2026-05-04T15:30:20") as a wall time in zone and returns it as
 * RFC 3339 (UTC). Twice round the offset, so a time next to a
 * daylight-saving change lands right.
 */
export function fromLocalInput(value, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let utc = wall - offsetMs(wall, zone);
  utc = wall - offsetMs(utc, zone);
  return new Date(utc).toISOString();
}

/** toLocalInput is the datetime-local value of ms in zone. */
export function toLocalInput(ms, zone) {
  const d = new Date(ms + offsetMs(ms, zone));
  return d.toISOString().slice(0, 16);
}
