/** Small typed accessors for NetCDF/CF attributes (values are text or number arrays). */
import type { AttrValue } from '../formats/types.js';

export type Attributes = Record<string, AttrValue>;

/** The first number of a numeric attribute, or undefined (text attributes holding a number count too). */
export function attrNumber(attrs: Attributes, name: string): number | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return v.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return v.length ? v[0] : undefined;
}

/** All numbers of a numeric attribute (empty when absent or text). */
export function attrNumbers(attrs: Attributes, name: string): number[] {
  const v = attrs[name];
  if (v === undefined || typeof v === 'string') return [];
  return v;
}

/** A text attribute, trimmed; undefined when absent or numeric. */
export function attrString(attrs: Attributes, name: string): string | undefined {
  const v = attrs[name];
  return typeof v === 'string' ? v.replace(/\0+$/, '').trim() : undefined;
}
