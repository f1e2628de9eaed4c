/** `gridcast worker ingest|train|predict`: a BullMQ worker process for one queue. */
import { isQueueKind, QUEUE_KINDS } from '../../workers/queues.js';
import { startWorker } from '../../workers/process/start-worker.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, deploymentSettings } from '../cli/deployment-options.js';

function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a queue worker: ingest, train or predict jobs from Redis (distributed mode)',
  help: `usage: gridcast worker ingest|train|predict [options]

Processes jobs of one queue until SIGINT/SIGTERM. On a signal it stops taking jobs; a running
job is stopped and handed back to the queue (a train job resumes from its last epoch
checkpoint wherever it runs next), then connections close. A dropped Redis connection is
waited out and the worker continues.

options:
  --concurrency N       jobs at once (default 1 for train — one GPU, one job — else 2)
  --lock-duration MS    job lock lifetime (default $GRIDCAST_LOCK_DURATION_MS, else 120000 train / 30000)
  --stalled-interval MS stalled-job check interval (default $GRIDCAST_STALLED_INTERVAL_MS, else 30000)
${DEPLOYMENT_HELP}
  -h, --help            show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...DEPLOYMENT_OPTIONS, concurrency: { type: 'string' }, 'lock-duration': { type: 'string' }, 'stalled-interval': { type: 'string' },
    });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const kind = positionals[0];
    if (!isQueueKind(kind) || positionals.length !== 1) throw new UsageError(`expected one queue: ${QUEUE_KINDS.join('|')}`);
    const s = deploymentSettings(values);
    const w = await startWorker(kind, {
      prefix: s.prefix, root: s.root,
      concurrency: positiveInt(values.concurrency, '--concurrency'),
      lockDurationMs: positiveInt(values['lock-duration'], '--lock-duration'),
      stalledIntervalMs: positiveInt(values['stalled-interval'], '--stalled-interval'),
    });
    const onSignal = (sig: NodeJS.Signals) => {
      // A second signal while shutting down exits at once.
      process.once(sig, () => process.exit(130));
      void w.shutdown(sig);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await w.closed;
    return 0;
  },
};
