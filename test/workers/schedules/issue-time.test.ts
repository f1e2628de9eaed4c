import { describe, expect, it } from 'vitest';
import { checkScheduledIssue, scheduledIssueTime } from '../../../workers/schedules/issue-time.js';

describe('scheduledIssueTime', () => {
  it('is the newest step at least the lag before the due time', () => {
    const due = Date.parse('2024-01-15T06:00:00Z');
    expect(scheduledIssueTime(due, { stepHours: 6 })).toBe('2024-01-15T06:00:00Z');
    expect(scheduledIssueTime(due, { stepHours: 6, lagHours: 1 })).toBe('2024-01-15T00:00:00Z');
    expect(scheduledIssueTime(due + 59_000, { stepHours: 1, lagHours: 0.5 })).toBe('2024-01-15T05:00:00Z');
  });
  it('validates', () => {
    expect(() => checkScheduledIssue({ stepHours: -1 })).toThrow(/stepHours/);
    expect(() => checkScheduledIssue({ stepHours: 6, lagHours: -1 })).toThrow(/lagHours/);
  });
});
