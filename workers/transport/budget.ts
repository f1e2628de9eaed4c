/**
 * Backpressure: reserve a blob's bytes against the byte budget before writing it, waiting with
 * exponential backoff (polling) while the budget is full. The check-and-add is one Lua script
 * (scripts.ts), so concurrent producers on any number of machines never overfill it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { BudgetExceededError, BudgetTimeoutError } from '../errors.js';
import type { ResolvedBlobStoreOptions } from './options.js';
import { blobKeys, SCRIPTS } from './scripts.js';

/** What one reservation is for. */
export interface Reservation {
  id: string;
  size: number;
  chunks: number;
  /** Lifetime of the blob's keys, in ms. */
  ttlMs: number;
  /** How long to wait for space, in ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Reserve `r.size` bytes under the store's prefix; returns the blob's expiry (ms since epoch,
 * Redis' clock) to set on every key. Throws BudgetExceededError at once when the blob can never
 * fit, BudgetTimeoutError when space did not free up in time, the signal's reason when aborted.
 */
export async function reserveBudget(client: Redis, options: ResolvedBlobStoreOptions, r: Reservation): Promise<number> {
  const { budgetBytes, pollMinMs, pollMaxMs, prefix } = options;
  if (r.size > budgetBytes) {
    throw new BudgetExceededError(`blob of ${r.size} bytes can never fit the byte budget of ${budgetBytes}`, {
      expected: 'a larger budgetBytes or smaller blobs',
    });
  }
  const k = blobKeys(prefix);
  const budget = budgetBytes === Infinity ? -1 : budgetBytes;
  const deadline = Date.now() + r.timeoutMs;
  let delay = pollMinMs;
  for (;;) {
    r.signal?.throwIfAborted();
    const args = [prefix, r.id, r.size, r.chunks, budget, r.ttlMs];
    const [ok, used, expiresAt] = (await SCRIPTS.reserve.run(client, [k.usage, k.expiry, k.sizes], args)) as number[];
    if (ok === 1) return expiresAt;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new BudgetTimeoutError(`byte budget full for ${r.timeoutMs} ms: ${used} of ${budgetBytes} bytes held, ${r.size} more needed`, {
        expected: 'consumers to release blobs, or a larger budgetBytes / timeout',
      });
    }
    await sleep(Math.min(delay, left), undefined, { signal: r.signal });
    delay = Math.min(delay * 2, pollMaxMs);
  }
}
