/**
 * The issue time of a scheduled forecast: the newest time step (on a grid of `stepHours` from
 * the Unix epoch, as observation times are) at least `lagHours` before the run was due. A run
 * due at 06:00 with a 1 h lag and 6-hourly data forecasts from the 00:00 observations; when they
 * have not arrived yet, pipeline predict fails with MissingInputError and the run is retried.
 */
import { InvalidOptionError } from '../../datasets/errors.js';

/** How a scheduled run picks its issue time. */
export interface ScheduledIssue {
  /** Time step of the inputs, in hours (e.g. 6). */
  stepHours: number;
  /** Observations arrive this many hours after their valid time. Default 0. */
  lagHours?: number;
}

/** Validate a {@link ScheduledIssue}; messages name the field. */
export function checkScheduledIssue(i: ScheduledIssue): ScheduledIssue {
  if (!Number.isFinite(i.stepHours) || i.stepHours <= 0) throw new InvalidOptionError(`issue.stepHours must be a positive number of hours, got ${i.stepHours}`);
  const lag = i.lagHours ?? 0;
  if (!Number.isFinite(lag) || lag < 0) throw new InvalidOptionError(`issue.lagHours must be a non-negative number of hours, got ${lag}`);
  return { stepHours: i.stepHours, lagHours: lag };
}

/** The ISO-8601 issue time for a run due at `dueMs`. */
export function scheduledIssueTime(dueMs: number, issue: ScheduledIssue): string {
  const step = issue.stepHours * 3_600_000;
  const t = Math.floor((dueMs - (issue.lagHours ?? 0) * 3_600_000) / step) * step;
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}
