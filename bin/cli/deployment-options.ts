/** Options shared by the distributed-mode commands (worker, submit, status, schedule, registry). */
import { resolveSettings, type WorkerSettings } from '../../workers/settings.js';

export const DEPLOYMENT_OPTIONS = {
  prefix: { type: 'string' },
  root: { type: 'string' },
} as const;

export const DEPLOYMENT_HELP = `  --prefix P    key prefix of the deployment (default $GRIDCAST_PREFIX, else 'gridcast')
  --root DIR    shared root: checkpoints, scratch, outputs (default $GRIDCAST_ROOT, else ./gridcast-root)

environment: REDIS_URL (redis://[user:password@]host:port[/db] or rediss:// for TLS; default
redis://127.0.0.1:6379), GRIDCAST_PREFIX, GRIDCAST_ROOT, GRIDCAST_CHECKPOINT_DIR, GRIDCAST_OUTPUT_DIR, GRIDCAST_WORK_DIR.`;

/** Settings from --prefix/--root and the environment. */
export function deploymentSettings(values: Record<string, unknown>): WorkerSettings {
  return resolveSettings({
    ...(values.prefix !== undefined ? { prefix: String(values.prefix) } : {}),
    ...(values.root !== undefined ? { root: String(values.root) } : {}),
  });
}
