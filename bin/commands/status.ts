/** `gridcast status ID`: each stage's state and progress; `--wait` follows the flow to its end. */
import type { Queue } from 'bullmq';
import { formatFlowStatus, getFlowStatus, type FlowStatus } from '../../workers/flows/flow-status.js';
import { openProducers } from '../../workers/flows/queues-handle.js';
import type { QueueKind } from '../../workers/jobs/job-data.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { outputMode } from '../cli/common-options.js';
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, deploymentSettings } from '../cli/deployment-options.js';
import { createProgress, type OutputMode } from '../cli/progress.js';

/** Poll the flow until it completed or failed, drawing a bar over stages and epochs. */
export async function followFlow(queues: Record<QueueKind, Queue>, runId: string, mode: OutputMode, intervalMs = 1000): Promise<FlowStatus> {
  const bar = createProgress(runId, mode);
  let lastStates = '';
  for (;;) {
    const s = await getFlowStatus(queues, runId);
    const states = s.stages.map((st) => `${st.kind}:${st.state}`).join(' ');
    if (states !== lastStates) {
      bar.event('status', { status: s }, undefined);
      lastStates = states;
    }
    // 3 stages; train counts by epochs in between.
    const [ing, tr, pr] = s.stages;
    const p = tr.progress as { epoch?: number; epochs?: number; loss?: number } | null;
    const trainFrac = tr.state === 'completed' ? 1 : p && p.epochs ? (p.epoch ?? 0) / p.epochs : 0;
    const done = (ing.state === 'completed' ? 1 : 0) + trainFrac + (pr.state === 'completed' ? 1 : 0);
    bar.update(Math.round(done * 100) / 100, 3, `${states}${p?.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}`);
    if (s.state === 'completed' || s.state === 'failed' || s.state === 'missing') {
      bar.done();
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ event: 'final', ...s })}\n`);
      else if (mode === 'human') process.stderr.write(`${formatFlowStatus(s)}\n`);
      return s;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: "show a submitted flow's stages: state, progress, failures",
  help: `usage: gridcast status ID [--wait] [--json] [options]

Prints the state of each stage of flow ID (ingest, train, predict), train progress (epoch,
loss, val loss) and failure reasons. With --wait, follows the flow to its end with a progress
bar. Exit code 1 when the flow failed (or is unknown).

options:
  --wait        follow to the end
  --json        JSON on stdout
${DEPLOYMENT_HELP}
  -h, --help    show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...DEPLOYMENT_OPTIONS, wait: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const id = positionals[0];
    if (!id || positionals.length !== 1) throw new UsageError('expected one flow ID');
    const s = deploymentSettings(values);
    const p = openProducers(s.prefix);
    try {
      const mode = outputMode(values);
      const st = values.wait ? await followFlow(p.queues, id, mode) : await getFlowStatus(p.queues, id);
      if (!values.wait) process.stdout.write(mode === 'json' ? `${JSON.stringify(st)}\n` : `${formatFlowStatus(st)}\n`);
      return st.state === 'failed' || st.state === 'missing' ? 1 : 0;
    } finally {
      await p.close();
    }
  },
};
