/**
 * Does a checkpoint fit the data it is about to be used with? Checked before any work starts, so
 * a wrong checkpoint fails at once with both sides named, not as a shape error deep in a kernel.
 */
import type { CheckpointData } from './checkpoint.js';
import { CheckpointError } from '../errors.js';

/** What the data offers: channel names, grid, window lengths. */
export interface DataShape {
  channels: string[];
  height: number;
  width: number;
  geotransform: number[];
  crs: { epsg?: number; wkt?: string };
  tIn?: number;
  tOut?: number;
}

/** Throws CheckpointError when `ck` was trained on other channels, another grid or windows. */
export function checkCompatible(ck: CheckpointData, data: DataShape, where: { checkpoint: string; data: string }): void {
  const ours = ck.channels.map((c) => c.name);
  if (ours.join(',') !== data.channels.join(',')) {
    throw new CheckpointError(`checkpoint was trained on channels [${ours.join(', ')}] but ${where.data} has [${data.channels.join(', ')}]`, {
      file: where.checkpoint,
      expected: 'the same channels in the same order',
    });
  }
  const gtClose = ck.geotransform.every((v, i) => Math.abs(v - data.geotransform[i]) <= 1e-6 * Math.max(1, Math.abs(v)));
  if (ck.height !== data.height || ck.width !== data.width || !gtClose) {
    throw new CheckpointError(
      `checkpoint grid ${ck.height}x${ck.width} [${ck.geotransform.join(', ')}] differs from ${where.data}'s ${data.height}x${data.width} [${data.geotransform.join(', ')}]`,
      { file: where.checkpoint, expected: 'the grid the model was trained on (same size, origin and resolution)' },
    );
  }
  if ((ck.crs.epsg ?? null) !== (data.crs.epsg ?? null)) {
    throw new CheckpointError(`checkpoint CRS ${JSON.stringify(ck.crs)} differs from ${where.data}'s ${JSON.stringify(data.crs)}`, { file: where.checkpoint });
  }
  if ((data.tIn !== undefined && data.tIn !== ck.tIn) || (data.tOut !== undefined && data.tOut !== ck.tOut)) {
    throw new CheckpointError(`checkpoint windows tIn=${ck.tIn}, tOut=${ck.tOut} differ from ${where.data}'s tIn=${data.tIn}, tOut=${data.tOut}`, { file: where.checkpoint });
  }
}
