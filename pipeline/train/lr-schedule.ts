/**
 * Learning-rate schedules: constant, reduce-on-plateau (Keras' ReduceLROnPlateau) and cosine decay
 * with linear warm-up (as OpenSTL trains its models).
 */
import type { GridcastConfig } from '../config/schema.js';

export type ScheduleConfig = GridcastConfig['train']['schedule'];

/** The learning rate for `epoch` (0-based) under a time-based schedule; plateau keeps `current`. */
export function scheduledLr(s: ScheduleConfig, base: number, epoch: number, epochs: number, current: number): number {
  if (s.kind === 'cosine') {
    if (epoch < s.warmupEpochs) return (base * (epoch + 1)) / (s.warmupEpochs + 1);
    const span = Math.max(1, epochs - s.warmupEpochs);
    const p = Math.min(1, (epoch - s.warmupEpochs) / span);
    return s.minLr + 0.5 * (base - s.minLr) * (1 + Math.cos(Math.PI * p));
  }
  return s.kind === 'plateau' ? current : base;
}

/**
 * Reduce-on-plateau after an epoch: returns the new rate and plateau counter. The rate drops by
 * `factor` when validation has not improved for `patience` epochs.
 */
export function plateauStep(s: ScheduleConfig, lr: number, improved: boolean, count: number): { lr: number; count: number } {
  if (s.kind !== 'plateau') return { lr, count: 0 };
  if (improved) return { lr, count: 0 };
  if (count + 1 > s.patience) return { lr: Math.max(s.minLr, lr * s.factor), count: 0 };
  return { lr, count: count + 1 };
}

/** Teacher-forcing probability for `epoch` (linear decay from start to end over decayEpochs). */
export function teacherForcing(ss: GridcastConfig['train']['scheduledSampling'], epoch: number): number {
  const p = Math.min(1, epoch / ss.decayEpochs);
  return ss.start + (ss.end - ss.start) * p;
}
