/**
 * gridcast workers: BullMQ around the pipeline stages — queues, flows, schedulers, worker
 * processes, the model registry — and the Redis plumbing they share (connections, tensor transport).
 */
export * from './errors.js';
export * from './redis/index.js';
export * from './transport/index.js';
export * from './job-errors.js';
export * from './settings.js';
export * from './queues.js';
export type * from './jobs/job-data.js';
export { MAX_PAYLOAD_BYTES, checkPayloadSize, confine } from './jobs/validate.js';
export { publishDataset, fetchDataset, releaseDataset } from './dataset-blobs.js';
export { ModelRegistry, UnknownRunError, type RegisteredRun } from './registry/model-registry.js';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './process/start-worker.js';
export { readJournal } from './process/journal.js';
export { submitForecastFlow, newRunId, jobIdOf, jobConfigOf, type SubmitFlowOptions, type SubmittedFlow } from './flows/submit-flow.js';
export { getFlowStatus, formatFlowStatus, type FlowStatus, type StageStatus } from './flows/flow-status.js';
export { openProducers, type Producers } from './flows/queues-handle.js';
export { upsertForecastSchedule, listForecastSchedules, removeForecastSchedule, type ForecastScheduleOptions } from './schedules/forecast-schedule.js';
export { scheduledIssueTime, checkScheduledIssue, type ScheduledIssue } from './schedules/issue-time.js';
