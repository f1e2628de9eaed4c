/**
 * The CLI as a user runs it: `gridcast run CONFIG --json` prints JSON lines; the stage commands
 * `train`, `evaluate`, `predict` work alone on the same config; exit codes are 0 for success, 2
 * for bad usage or configuration (with the field and a suggestion), 1 for runtime failures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { gridcast, tinyDataset } from '../pipeline/helpers.js';

const tmp = tempDir('gridcast-cli-');
let config: string;
beforeAll(async () => { config = (await tinyDataset(tmp.path)).file; });
afterAll(() => tmp.remove());

const jsonLines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: any });

describe('gridcast run / train / evaluate / predict', () => {
  it('run --json prints one JSON object per line and exits 0', () => {
    const r = gridcast('run', config, '--json', '--hindcast');
    expect(r.code, r.err).toBe(0);
    const events = jsonLines(r.out);
    expect(events.filter((e) => e.event === 'stage').map((e) => e.stage)).toEqual(['ingest', 'train', 'evaluate', 'predict']);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['train-start', 'epoch', 'train-end', 'ingest', 'evaluation', 'verdict', 'forecast', 'timings']));
    const fc = events.find((e) => e.event === 'forecast')!;
    expect(fc.files.map((f: { kind: string }) => f.kind).sort()).toEqual(['geotiff', 'geotiff', 'json', 'netcdf', 'png', 'png']);
    for (const f of fc.files) expect(existsSync(join(fc.dir, f.file))).toBe(true);
    expect(events.find((e) => e.event === 'evaluation')!.report.summary.map((s: { channel: string }) => s.channel)).toEqual(['precip', 'tcw']);
  });

  it('train reuses the dataset and the finished checkpoints', () => {
    const r = gridcast('train', config, '--json');
    expect(r.code, r.err).toBe(0);
    const done = jsonLines(r.out).find((e) => e.event === 'trained')!;
    expect(done).toMatchObject({ skipped: true, resumedFrom: 1, bestEpoch: 1 });
    expect(existsSync(done.lossCurve)).toBe(true);
    expect(jsonLines(r.out).find((e) => e.event === 'dataset')).toMatchObject({ skipped: true });
  });

  it('evaluate --split val writes the report and prints the table and verdicts', () => {
    const report = join(tmp.path, 'val.json');
    const r = gridcast('evaluate', config, '--split', 'val', '--report', report);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/val split \(\d+ samples\)/);
    expect(r.out).toMatch(/channel\s+lead\s+RMSE\s+wRMSE/);
    expect(r.out).toMatch(/^precip: RMSE [\d.]+ vs persistence [\d.]+ → skill/m);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ split: 'val' });
  });

  it('predict --hindcast --out-dir writes there and lists the files; missing steps exit 1, bad --at exits 2', () => {
    const dir = join(tmp.path, 'fc');
    const r = gridcast('predict', config, '--hindcast', '--out-dir', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/forecast issued 2024-01-09T06:00:00Z, valid 2024-01-09T12:00:00Z \.\. 2024-01-09T18:00:00Z/);
    expect(r.out).toMatch(/geotiff tiny_precip_20240109T060000Z\.tif/);
    expect(existsSync(join(dir, 'tiny_precip_20240109T060000Z.tif'))).toBe(true);
    const early = gridcast('predict', config, '--at', '2024-01-01T06:00:00Z', '--out-dir', join(tmp.path, 'fc-early'));
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/MissingInputError: .*needs tIn=3/);
    expect(existsSync(join(tmp.path, 'fc-early'))).toBe(false);
    expect(gridcast('predict', config, '--at', 'yesterday').code).toBe(2);
  });

  it('a config typo exits 2 naming the file, the field and a suggestion', () => {
    const raw = JSON.parse(readFileSync(config, 'utf8'));
    const bad = join(tmp.path, 'typo.json');
    writeFileSync(bad, JSON.stringify({ ...raw, train: { epoch: 2 }, modle: raw.model }));
    const r = gridcast('train', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ConfigError: .*typo\.json: invalid configuration/);
    expect(r.err).toMatch(/modle: unknown key \(did you mean 'model'\?\)/);
    expect(r.err).toMatch(/train\.epoch: unknown key \(did you mean 'epochs'\?\)/);
    expect(existsSync(join(tmp.path, 'out', 'checkpoints', 'last', 'config.json'))).toBe(true);
  });

  it('usage errors exit 2, a missing dataset exits 1 with what to run, --help exits 0', () => {
    expect(gridcast('train').code).toBe(2);
    expect(gridcast('evaluate', config, '--split', 'train').code).toBe(2);
    const noDs = gridcast('train', config, '--dataset', join(tmp.path, 'nowhere'));
    expect(noDs.code).toBe(1);
    expect(noDs.err).toMatch(/MissingInputError: .*nowhere: no dataset there .*run 'gridcast ingest .*config\.json --dataset .*nowhere' first/);
    const list = gridcast('--help');
    for (const c of ['train', 'evaluate', 'predict', 'convert']) expect(list.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    const help = gridcast('predict', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: gridcast predict CONFIG/);
  });
});
