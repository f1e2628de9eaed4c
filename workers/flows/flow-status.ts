/**
 * The state of a submitted forecast flow: each stage's job state, progress, attempts and failure
 * reason, and the flow's overall state (failed as soon as any stage failed).
 */
import { Job, type Queue } from 'bullmq';
import type { QueueKind } from '../jobs/job-data.js';
import { QUEUE_KINDS } from '../queues.js';
import { jobIdOf } from './submit-flow.js';

/** One stage of a flow. */
export interface StageStatus {
  kind: QueueKind;
  jobId: string;
  /** BullMQ state (`waiting-children`, `waiting`, `active`, `completed`, `failed`, `delayed`, …) or `missing`. */
  state: string;
  progress: unknown;
  attemptsMade: number;
  failedReason?: string;
  returnvalue?: unknown;
}

/** A flow: its stages in pipeline order and the overall state. */
export interface FlowStatus {
  runId: string;
  state: 'running' | 'completed' | 'failed' | 'missing';
  stages: StageStatus[];
}

/** Read the status of run `runId` from the three queues. */
export async function getFlowStatus(queues: Record<QueueKind, Queue>, runId: string): Promise<FlowStatus> {
  const stages: StageStatus[] = [];
  for (const kind of QUEUE_KINDS) {
    const jobId = jobIdOf(runId, kind);
    // State first, then the job: a job read before it finished would lack its result or reason.
    const state = await queues[kind].getJobState(jobId);
    const job = state === 'unknown' ? undefined : await Job.fromId(queues[kind], jobId);
    if (!job) { stages.push({ kind, jobId, state: 'missing', progress: null, attemptsMade: 0 }); continue; }
    stages.push({
      kind, jobId, state, progress: job.progress, attemptsMade: job.attemptsMade,
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(job.returnvalue !== undefined && job.returnvalue !== null ? { returnvalue: job.returnvalue } : {}),
    });
  }
  const state: FlowStatus['state'] = stages.some((s) => s.state === 'failed') ? 'failed'
    : stages.every((s) => s.state === 'missing') ? 'missing'
      : stages[stages.length - 1].state === 'completed' ? 'completed' : 'running';
  return { runId, state, stages };
}

/** One line per stage, for people. */
export function formatFlowStatus(s: FlowStatus): string {
  const lines = [`flow ${s.runId}: ${s.state}`];
  for (const st of s.stages) {
    const p = st.progress as { epoch?: number; epochs?: number; loss?: number; valLoss?: number } | number | null;
    const prog = typeof p === 'object' && p && p.epochs ? ` epoch ${p.epoch}/${p.epochs}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : ''}`
      : typeof p === 'number' && p ? ` ${p}%` : '';
    const attempts = st.attemptsMade ? ` (attempts ${st.attemptsMade})` : '';
    lines.push(`  ${st.kind.padEnd(8)} ${st.state}${prog}${attempts}${st.failedReason ? `: ${st.failedReason}` : ''}`);
  }
  return lines.join('\n');
}
