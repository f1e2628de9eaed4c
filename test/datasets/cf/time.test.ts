import { describe, expect, it } from 'vitest';
import { decodeTimes, parseTimeUnits } from '../../../datasets/cf/time.js';
import { isGridcastError } from '../../../datasets/errors.js';
import { debianPython, run } from '../../helpers.js';

describe('CF time decoding', () => {
  it('decodes the forms real archives use', () => {
    expect(decodeTimes([0, 6, 1_000_000], 'hours since 1900-01-01 00:00:0.0', 'gregorian')).toEqual([
      '1900-01-01T00:00:00Z', '1900-01-01T06:00:00Z', '2014-01-29T16:00:00Z',
    ]);
    expect(decodeTimes([1.5], 'days since 2000-1-1', undefined)).toEqual(['2000-01-02T12:00:00Z']);
    expect(decodeTimes([3600], 'seconds since 1970-01-01T00:00:00Z', 'proleptic_gregorian')).toEqual(['1970-01-01T01:00:00Z']);
    expect(decodeTimes([0], 'minutes since 2020-06-01 12:00:00 +02:00', 'standard')).toEqual(['2020-06-01T10:00:00Z']);
    expect(decodeTimes([0], 'hours since 0001-01-01', 'proleptic_gregorian')).toEqual(['0001-01-01T00:00:00Z']);
  });

  it('matches netCDF4-python num2date on a range of values', () => {
    const values = [0, 1, 17.25, 1e5, 1.0e6 + 0.5, 2_000_000];
    const units = 'hours since 1900-01-01 00:00:0.0';
    const py = run(debianPython, ['-c', `import netCDF4, json; print(json.dumps([d.strftime('%Y-%m-%dT%H:%M:%SZ') for d in netCDF4.num2date(${JSON.stringify(values)}, '${units}', 'standard')]))`]);
    expect(decodeTimes(values, units, 'standard')).toEqual(JSON.parse(py));
  });

  it('rejects calendars and units it cannot honour, with the file and variable', () => {
    for (const cal of ['noleap', '360_day', 'julian', 'all_leap']) {
      let err: unknown;
      try { decodeTimes([0], 'days since 2000-01-01', cal, { file: 'f.nc', variable: 'time' }); } catch (e) { err = e; }
      expect(isGridcastError(err, 'UnsupportedFeature')).toBe(true);
      expect(String(err)).toMatch(/f\.nc, variable 'time'.*calendar/);
    }
    expect(() => parseTimeUnits('months since 2000-01-01')).toThrow(/no fixed length/);
    expect(() => parseTimeUnits('hours after 2000')).toThrow(/since/);
    expect(() => decodeTimes([0], 'days since 1500-01-01', 'standard')).toThrow(/1582/);
    expect(() => decodeTimes([NaN], 'days since 2000-01-01', 'standard')).toThrow(/not finite/);
  });
});
