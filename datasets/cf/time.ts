/**
 * CF time decoding (https://cfconventions.org/cf-conventions/cf-conventions.html#time-coordinate):
 * `units = "<unit> since <reference>"` plus `calendar` → ISO-8601 instants (UTC, 'Z').
 *
 * Only calendars that agree with JavaScript's proleptic Gregorian Date are accepted: `standard`
 * (and its alias `gregorian`) for instants from 1582-10-15 on, and `proleptic_gregorian`. The
 * others (noleap, 360_day, julian, …) have days that do not exist in real time, so a forecast's
 * valid time could not be written honestly: they are rejected with UnsupportedFeatureError.
 * `months`/`years` are rejected too: UDUNITS defines them as fixed lengths that drift from the
 * calendar, a well-known trap.
 */
import { UnsupportedFeatureError, CoordinateError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  microseconds: 1e-3, microsecond: 1e-3, us: 1e-3,
  milliseconds: 1, millisecond: 1, msec: 1, ms: 1,
  seconds: 1000, second: 1000, secs: 1000, sec: 1000, s: 1000,
  minutes: 60_000, minute: 60_000, mins: 60_000, min: 60_000,
  hours: 3_600_000, hour: 3_600_000, hrs: 3_600_000, hr: 3_600_000, h: 3_600_000,
  days: 86_400_000, day: 86_400_000, d: 86_400_000,
  weeks: 604_800_000, week: 604_800_000,
};

const GREGORIAN_START = Date.UTC(1582, 9, 15);

/** Where a time coordinate came from, for error messages. */
export interface TimeContext {
  file?: string;
  variable?: string;
}

/** A parsed `units` attribute: milliseconds per unit and the reference instant (ms since epoch). */
export interface TimeUnits {
  unitMs: number;
  unit: string;
  referenceMs: number;
}

/** True when a `units` attribute looks like a CF time unit. */
export function isTimeUnits(units: string | undefined): boolean {
  return !!units && /^\s*\w+\s+since\s+/i.test(units);
}

/** Parses "<unit> since <date>[ <time>][ <zone>]" (the forms UDUNITS and CF allow). */
export function parseTimeUnits(units: string, ctx: TimeContext = {}): TimeUnits {
  const m = /^\s*(\w+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (!m) throw new CoordinateError(`time units '${units}' are not '<unit> since <date>'`, { ...ctx, expected: "e.g. 'hours since 1900-01-01 00:00:0.0'" });
  const unit = m[1].toLowerCase();
  if (unit === 'months' || unit === 'month' || unit === 'years' || unit === 'year') {
    throw new UnsupportedFeatureError(`time unit '${m[1]}' has no fixed length in a real calendar`, { ...ctx, expected: 'days, hours, minutes or seconds' });
  }
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) throw new CoordinateError(`unknown time unit '${m[1]}'`, { ...ctx, expected: Object.keys(UNIT_MS).filter((k) => k.length > 3).join(', ') });
  return { unitMs, unit, referenceMs: parseReferenceDate(m[2], ctx) };
}

/** Parses a CF reference date: 'YYYY-M-D', optional 'hh:mm:ss(.f)' ('T' or space), optional zone. */
export function parseReferenceDate(text: string, ctx: TimeContext = {}): number {
  const m = /^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i.exec(text.trim());
  if (!m) throw new CoordinateError(`reference date '${text}' is not 'YYYY-MM-DD [hh:mm:ss] [zone]'`, ctx);
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const sec = Number(s);
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Math.floor(sec), Math.round((sec % 1) * 1000));
  if (Number(y) < 100) ms = setFullYear(ms, Number(y)); // Date.UTC maps 0..99 to 1900..1999
  if (zone && /^[+-]/.test(zone)) {
    const zm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
    const off = (Number(zm[2]) * 60 + Number(zm[3] ?? 0)) * 60_000;
    ms -= zm[1] === '+' ? off : -off;
  }
  if (Number.isNaN(ms)) throw new CoordinateError(`reference date '${text}' is not a valid date`, ctx);
  return ms;
}

function setFullYear(ms: number, year: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(year);
  return d.getTime();
}

/** Checks the calendar attribute; throws UnsupportedFeatureError for calendars we cannot honour. */
export function checkCalendar(calendar: string | undefined, referenceMs: number, ctx: TimeContext = {}): void {
  const cal = (calendar ?? 'standard').toLowerCase();
  if (cal === 'proleptic_gregorian') return;
  if (cal === 'standard' || cal === 'gregorian') {
    if (referenceMs < GREGORIAN_START) {
      throw new UnsupportedFeatureError(`calendar '${cal}' with a reference date before 1582-10-15 mixes Julian and Gregorian days`, {
        ...ctx,
        expected: "a reference date from 1582-10-15 on, or calendar 'proleptic_gregorian'",
      });
    }
    return;
  }
  throw new UnsupportedFeatureError(`calendar '${calendar}' is not supported`, {
    ...ctx,
    expected: "calendar 'standard', 'gregorian' or 'proleptic_gregorian'",
  });
}

/** Decodes numeric time values with `units` and `calendar` into milliseconds since the epoch. */
export function decodeTimesMs(values: ArrayLike<number>, units: string, calendar: string | undefined, ctx: TimeContext = {}): number[] {
  const u = parseTimeUnits(units, ctx);
  checkCalendar(calendar, u.referenceMs, ctx);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) throw new CoordinateError(`time value #${i} is not finite (${v})`, { ...ctx, expected: 'no missing time values' });
    // Round to whole milliseconds: float32 time axes otherwise give instants like 05:59:59.998.
    out[i] = Math.round(u.referenceMs + v * u.unitMs);
  }
  return out;
}

/** ISO-8601 text of an instant: '2020-01-01T06:00:00Z' (milliseconds only when not whole seconds). */
export function isoTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** Decodes numeric time values into ISO-8601 instants. */
export function decodeTimes(values: ArrayLike<number>, units: string, calendar: string | undefined, ctx: TimeContext = {}): string[] {
  return decodeTimesMs(values, units, calendar, ctx).map(isoTime);
}
