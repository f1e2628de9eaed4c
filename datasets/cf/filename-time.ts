/**
 * Times from file names, for archives of single-time rasters ("t2m_2020010106.tif"). The pattern
 * uses the strftime directives weather tools already use (CDO, GDAL, Python): %Y %m %d %H %M %S
 * %j (day of year), %y (two-digit year, 1969–2068 as POSIX), %% — everything else is literal, and
 * `*` matches any run of characters. The pattern is matched against the file's base name.
 */
import { InvalidOptionError } from '../errors.js';

const DIRECTIVES: Record<string, { re: string; key: string }> = {
  Y: { re: '(\\d{4})', key: 'Y' },
  y: { re: '(\\d{2})', key: 'y' },
  m: { re: '(\\d{2})', key: 'm' },
  d: { re: '(\\d{2})', key: 'd' },
  H: { re: '(\\d{2})', key: 'H' },
  M: { re: '(\\d{2})', key: 'M' },
  S: { re: '(\\d{2})', key: 'S' },
  j: { re: '(\\d{3})', key: 'j' },
};

/** A compiled file-name time pattern. */
export interface FilenameTimePattern {
  pattern: string;
  /** Milliseconds since the epoch of the time in `basename`, or null when it does not match. */
  parse(basename: string): number | null;
}

/** Compiles a pattern such as 'era5_t2m_%Y%m%d%H.tif'; InvalidOptionError for unknown directives. */
export function compileFilenameTime(pattern: string): FilenameTimePattern {
  const keys: string[] = [];
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '%') {
      const d = pattern[++i];
      if (d === '%') { re += '%'; continue; }
      const dir = d === undefined ? undefined : DIRECTIVES[d];
      if (!dir) {
        throw new InvalidOptionError(`time pattern '${pattern}' has unknown directive '%${d ?? ''}'`, {
          expected: 'one of %Y %y %m %d %H %M %S %j %%',
        });
      }
      keys.push(dir.key);
      re += dir.re;
    } else if (ch === '*') re += '.*?';
    else re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  if (!keys.includes('Y') && !keys.includes('y')) {
    throw new InvalidOptionError(`time pattern '${pattern}' has no year (%Y or %y)`);
  }
  const regex = new RegExp(re + '$');
  return {
    pattern,
    parse(basename: string): number | null {
      const m = regex.exec(basename);
      if (!m) return null;
      const f: Record<string, number> = {};
      keys.forEach((k, i) => (f[k] = Number(m[i + 1])));
      const year = f.Y ?? (f.y < 69 ? 2000 + f.y : 1900 + f.y);
      let ms = Date.UTC(year, (f.m ?? 1) - 1, f.d ?? 1, f.H ?? 0, f.M ?? 0, f.S ?? 0);
      if (f.j !== undefined) ms = Date.UTC(year, 0, 1, f.H ?? 0, f.M ?? 0, f.S ?? 0) + (f.j - 1) * 86_400_000;
      const back = new Date(ms);
      // Reject impossible dates such as month 13 or 31 February instead of letting Date roll them.
      if (f.j === undefined && (back.getUTCMonth() !== (f.m ?? 1) - 1 || back.getUTCDate() !== (f.d ?? 1))) return null;
      if ((f.H ?? 0) > 23 || (f.M ?? 0) > 59 || (f.S ?? 0) > 60) return null;
      return ms;
    },
  };
}
