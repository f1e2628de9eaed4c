/**
 * Content keys for "skip work whose output already exists and matches its inputs": a SHA-256 over
 * the relevant config section and each input file's path, size and modification time (reading
 * whole archives to hash them would cost as much as the work we want to skip).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';

/** Stable JSON: object keys sorted, so equal configs hash equally. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Hash of a value and the files it depends on. */
export async function inputHash(value: unknown, files: string[] = []): Promise<string> {
  const h = createHash('sha256');
  h.update(stableJson(value));
  for (const f of files) {
    const s = await stat(f);
    h.update(`\0${f}\0${s.size}\0${s.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 32);
}
