import { describe, expect, it } from 'vitest';
import { decodePacked, packingRule } from '../../../datasets/cf/packing.js';

describe('CF packed data', () => {
  it('unpacks int16 with scale/offset and masks _FillValue and missing_value', () => {
    const rule = packingRule('int16', { scale_factor: [0.01], add_offset: [273.15], _FillValue: [-32767], missing_value: [-32766] });
    const out = decodePacked(Int16Array.from([0, 100, -32767, -32766, -100]), rule);
    expect(Array.from(out).map((v) => (Number.isNaN(v) ? 'nan' : +v.toFixed(3)))).toEqual([273.15, 274.15, 'nan', 'nan', 272.15]);
  });

  it('applies valid_range / valid_min / valid_max in stored units', () => {
    const rule = packingRule('int16', { scale_factor: [2], valid_range: [0, 10] });
    expect(Array.from(decodePacked(Int16Array.from([-1, 0, 10, 11]), rule))).toEqual([NaN, 0, 20, NaN]);
    const r2 = packingRule('float32', { valid_min: [0] });
    expect(Array.from(decodePacked(Float32Array.from([-1, 3]), r2))).toEqual([NaN, 3]);
  });

  it('matches a float _FillValue stored as float32, and the default fill value', () => {
    const rule = packingRule('float32', { _FillValue: [1e20] });
    expect(Array.from(decodePacked(Float32Array.from([1e20, 1]), rule))).toEqual([NaN, 1]);
    const def = packingRule('float32', {});
    expect(Array.from(decodePacked(Float32Array.from([9.969209968386869e36, 2]), def))).toEqual([NaN, 2]);
  });

  it('honours _Unsigned for byte storage', () => {
    const rule = packingRule('int8', { _Unsigned: 'true', _FillValue: [-1] });
    expect(Array.from(decodePacked(Int8Array.from([-1, -2, 5]), rule))).toEqual([NaN, 254, 5]);
  });
});
