/**
 * What every processor gets besides its job: the deployment settings, the blob store and the
 * model registry (one set per worker process), and a log.
 */
import type { BlobStore } from '../transport/blob-store.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { WorkerSettings } from '../settings.js';

export interface ProcessorContext {
  settings: WorkerSettings;
  store: BlobStore;
  registry: ModelRegistry;
  log: (line: string) => void;
}

/** The part of a BullMQ job a processor uses (so processors can be tested without a queue). */
export interface JobHandle<D> {
  id?: string;
  name: string;
  data: D;
  attemptsMade: number;
  /** When the job was created (ms). */
  timestamp: number;
  /** Job options; a scheduler's jobs carry the time they were due as `prevMillis`. */
  opts: { prevMillis?: number; attempts?: number };
  updateProgress(progress: object | number): Promise<void>;
  getChildrenValues<R = unknown>(): Promise<Record<string, R>>;
}

/** The value of the single child result that satisfies `has`, or undefined. */
export async function childResult<R>(job: JobHandle<unknown>, has: (v: unknown) => v is R): Promise<R | undefined> {
  const values = Object.values(await job.getChildrenValues());
  return values.find(has);
}
