/**
 * The model registry: every finished training run with its checkpoint and metrics, per model
 * name (the config's `name`), in Redis under the deployment prefix.
 *
 * ```ts
 * const reg = new ModelRegistry(redis, 'gridcast');
 * await reg.record({ runId, name: 'storms', checkpoint: 'run-1/best', bestValLoss: 0.4, ... });
 * await reg.production('storms'); // the promoted run, else the lowest validation loss
 * await reg.promote('run-1');
 * ```
 *
 * Keys: `<prefix>:registry:run:<runId>` (hash), `<prefix>:registry:model:<name>:runs` (sorted set
 * by validation loss, lower is better), `<prefix>:registry:model:<name>:promoted` (run id),
 * `<prefix>:registry:models` (set of names). Validation loss ranks runs because it is on
 * normalised fields — comparable across channels — and every run has one.
 */
import type { Redis } from 'ioredis';
import { NoProductionModelError } from '../job-errors.js';
import { GridcastError } from '../../datasets/errors.js';

/** A registered training run. */
export interface RegisteredRun {
  runId: string;
  /** Model name (the config's `name`). */
  name: string;
  /** Best checkpoint, relative to the checkpoint root. */
  checkpoint: string;
  bestValLoss: number;
  bestEpoch: number;
  epochs: number;
  /** Mean test-split RMSE, when scored. */
  testRmse: number | null;
  backend: string;
  createdAt: string;
}

/** A run id that is not registered. */
export class UnknownRunError extends GridcastError { override readonly kind = 'UnknownRun'; }

/** Registry of training runs and their production model, per model name. */
export class ModelRegistry {
  constructor(readonly client: Redis, readonly prefix: string) {}

  private runKey(id: string) { return `${this.prefix}:registry:run:${id}`; }
  private runsKey(name: string) { return `${this.prefix}:registry:model:${encodeURIComponent(name)}:runs`; }
  private promotedKey(name: string) { return `${this.prefix}:registry:model:${encodeURIComponent(name)}:promoted`; }
  private get modelsKey() { return `${this.prefix}:registry:models`; }

  /** Record (or overwrite: a retried job records once) a finished run. */
  async record(run: RegisteredRun): Promise<void> {
    const score = Number.isFinite(run.bestValLoss) ? run.bestValLoss : Number.MAX_VALUE;
    await this.client.multi()
      .hset(this.runKey(run.runId), { ...run, testRmse: run.testRmse === null ? '' : String(run.testRmse) })
      .zadd(this.runsKey(run.name), score, run.runId)
      .sadd(this.modelsKey, run.name)
      .exec();
  }

  /** A run by id, or undefined. */
  async get(runId: string): Promise<RegisteredRun | undefined> {
    const h = await this.client.hgetall(this.runKey(runId));
    if (!h || !h.runId) return undefined;
    return {
      runId: h.runId, name: h.name, checkpoint: h.checkpoint, bestValLoss: Number(h.bestValLoss), bestEpoch: Number(h.bestEpoch),
      epochs: Number(h.epochs), testRmse: h.testRmse === '' || h.testRmse === undefined ? null : Number(h.testRmse), backend: h.backend, createdAt: h.createdAt,
    };
  }

  /** Model names with runs. */
  async names(): Promise<string[]> {
    return (await this.client.smembers(this.modelsKey)).sort();
  }

  /** Runs of `name` (or of every model), best first. */
  async list(name?: string): Promise<RegisteredRun[]> {
    const names = name === undefined ? await this.names() : [name];
    const out: RegisteredRun[] = [];
    for (const n of names) {
      for (const id of await this.client.zrange(this.runsKey(n), '0', '-1')) {
        const r = await this.get(id);
        if (r) out.push(r);
      }
    }
    return out;
  }

  /** Make `runId` the production model of its name, whatever its metrics. */
  async promote(runId: string): Promise<RegisteredRun> {
    const r = await this.get(runId);
    if (!r) throw new UnknownRunError(`no registered run '${runId}'`, { expected: 'a run id from `gridcast registry list`' });
    await this.client.set(this.promotedKey(r.name), runId);
    return r;
  }

  /** The production run of `name`: the promoted one if any, else the one with the lowest validation loss. */
  async production(name: string): Promise<RegisteredRun> {
    const promoted = await this.client.get(this.promotedKey(name));
    const r = promoted ? await this.get(promoted) : undefined;
    if (r) return r;
    const [best] = await this.client.zrange(this.runsKey(name), '0', '0');
    const b = best ? await this.get(best) : undefined;
    if (!b) throw new NoProductionModelError(`no trained model named '${name}' is registered yet`, { expected: 'a finished train job for this config (gridcast submit)' });
    return b;
  }

  /** The production run id of `name`, or undefined (for listings). */
  async productionId(name: string): Promise<string | undefined> {
    try { return (await this.production(name)).runId; } catch { return undefined; }
  }
}
