/**
 * Errors of job handling, and the one place that decides whether a failure is worth a retry.
 *
 * Bad data or config → BullMQ `UnrecoverableError` (the job fails at once, no retry); transient
 * trouble (inputs not there yet, a dropped connection, a full byte budget) → a plain error that
 * BullMQ retries with exponential backoff (CONVENTIONS.md 5).
 */
import { UnrecoverableError } from 'bullmq';
import { GridcastError, isGridcastError } from '../datasets/errors.js';

/** Job data is malformed or too large. */
export class JobPayloadError extends GridcastError { override readonly kind = 'JobPayload'; }

/** A path from job data would leave the directory it must stay in (`..`, absolute paths). */
export class PathEscapeError extends GridcastError { override readonly kind = 'PathEscape'; }

/** No production model is registered for a forecast that asks for one. */
export class NoProductionModelError extends GridcastError { override readonly kind = 'NoProductionModel'; }

/**
 * Gridcast error kinds that a later attempt may fix: inputs that are not there yet (a scheduled
 * forecast running before its observations arrived), transport trouble and backpressure, a
 * production model not registered yet.
 */
const TRANSIENT_KINDS = new Set(['MissingInput', 'Transport', 'BudgetTimeout', 'NoProductionModel']);

/** True when `e` should be retried (see the module comment). Errors not of ours are I/O: transient. */
export function isTransient(e: unknown): boolean {
  if (e instanceof UnrecoverableError) return false;
  if (isGridcastError(e)) return TRANSIENT_KINDS.has(e.kind);
  return true;
}

/**
 * `e` as BullMQ should see it: an `UnrecoverableError` whose message keeps the kind and text
 * (`Checksum: blob … chunk 0: SHA-256 mismatch …`), or `e` itself when a retry may help.
 */
export function classifyJobError(e: unknown): Error {
  if (e instanceof UnrecoverableError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (isTransient(err)) return err;
  const kind = isGridcastError(err) ? err.kind : err.name;
  const u = new UnrecoverableError(`${kind}: ${err.message}`);
  (u as Error & { cause?: unknown }).cause = err;
  return u;
}
