/**
 * Validation helpers shared by every model's options: each failure names the model and the field
 * ("kernelSize[1] must be odd, got 4"), in the style of tfjs-layers' `normalizeArray(kernelSize, 2,
 * 'kernelSize')`.
 */
import { InvalidOptionError } from './errors.js';

/** A positive integer, or an InvalidOptionError naming `field`. */
export function positiveInt(value: unknown, field: string, model: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`${field} must be a positive integer, got ${JSON.stringify(value)}`, { model, field });
  }
  return value;
}

/** A number in [min, max] (inclusive). */
export function numberIn(value: unknown, min: number, max: number, field: string, model: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(`${field} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`, { model, field });
  }
  return value;
}

/** A boolean. */
export function bool(value: unknown, field: string, model: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(`${field} must be true or false, got ${JSON.stringify(value)}`, { model, field });
  }
  return value;
}

/** One of the allowed strings. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, model: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(`${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`, { model, field });
  }
  return value as T;
}

/** A kernel size: [kh, kw] of odd positive integers (a single number means square). */
export function oddKernel(value: unknown, field: string, model: string): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new InvalidOptionError(`${field} must be [kh, kw] (or one number), got ${JSON.stringify(value)}`, { model, field });
  }
  pair.forEach((k, i) => {
    positiveInt(k, `${field}[${i}]`, model);
    if (k % 2 === 0) {
      throw new InvalidOptionError(`${field}[${i}] must be odd for 'same' padding, got ${k}`, { model, field, expected: 'an odd kernel size (1, 3, 5, ...)' });
    }
  });
  return [pair[0] as number, pair[1] as number];
}

/**
 * The seed's `_extend_for_multilayer`: one value → repeated `numLayers` times; a list must have
 * exactly `numLayers` entries ("Inconsistent list length" in the seed).
 */
export function perLayer<T>(value: T | T[], numLayers: number, field: string, model: string, isList: (v: unknown) => boolean = Array.isArray): T[] {
  if (!isList(value)) return Array.from({ length: numLayers }, () => value as T);
  const list = value as T[];
  if (list.length !== numLayers) {
    throw new InvalidOptionError(`${field} has ${list.length} entries but numLayers is ${numLayers}`, { model, field, expected: 'one value, or one per layer' });
  }
  return list;
}
