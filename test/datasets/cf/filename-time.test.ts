import { describe, expect, it } from 'vitest';
import { compileFilenameTime } from '../../../datasets/cf/filename-time.js';

describe('file-name time patterns', () => {
  it('parses strftime directives and literal parts', () => {
    const p = compileFilenameTime('t2m_%Y%m%d%H.tif');
    expect(new Date(p.parse('t2m_2020010106.tif')!).toISOString()).toBe('2020-01-01T06:00:00.000Z');
    expect(p.parse('t2m_2020010106.tiff')).toBeNull();
    expect(p.parse('t2m_2020023106.tif')).toBeNull(); // 31 February
    expect(new Date(compileFilenameTime('*_%Y-%j.tif').parse('sat_2021-032.tif')!).toISOString()).toBe('2021-02-01T00:00:00.000Z');
  });
  it('rejects unknown directives and patterns without a year', () => {
    expect(() => compileFilenameTime('x_%Q.tif')).toThrow(/unknown directive '%Q'/);
    expect(() => compileFilenameTime('x_%m%d.tif')).toThrow(/no year/);
  });
});
