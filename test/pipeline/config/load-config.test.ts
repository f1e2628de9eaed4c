import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, resolvePath, validateConfig } from '../../../pipeline/config/load-config.js';
import { isGridcastError } from '../../../datasets/errors.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const minimal = { data: { sources: [{ files: 'a/*.nc', variable: 't2m' }], tIn: 4, tOut: 2 } };

describe('config', () => {
  it('fills defaults and resolves paths against the config file', async () => {
    const file = join(tmp.path, 'run.yaml');
    writeFileSync(file, 'data:\n  sources:\n    - files: data/*.nc\n      variable: t2m\n  tIn: 4\n  tOut: 2\ntrain:\n  epochs: 3\n');
    const loaded = await loadConfig(file);
    expect(loaded.config.train.epochs).toBe(3);
    expect(loaded.config.train.batchSize).toBe(8);
    expect(loaded.config.model.kind).toBe('convlstm');
    expect(loaded.config.data.grid.lon).toBe('-180..180');
    expect(resolvePath(loaded, 'data/x.nc')).toBe(join(tmp.path, 'data/x.nc'));
  });

  it('names every bad field, with suggestions for misspelt keys', () => {
    let err: unknown;
    try {
      validateConfig({ ...minimal, train: { epoch: 3, batchSize: 0 }, modle: {} }, 'cfg.yaml');
    } catch (e) { err = e; }
    expect(isGridcastError(err, 'Config')).toBe(true);
    const msg = String((err as Error).message);
    expect(msg).toContain('cfg.yaml');
    expect(msg).toMatch(/train\.epoch: unknown key \(did you mean 'epochs'\?\)/);
    expect(msg).toMatch(/train\.batchSize: Too small/);
    expect(msg).toMatch(/modle: unknown key \(did you mean 'model'\?\)/);
  });

  it('checks cross-field rules: split sums, target names, duplicate channels', () => {
    expect(() => validateConfig({ data: { ...minimal.data, split: { train: 0.5, val: 0.1, test: 0.1 } } })).toThrow(/split.*must be 1/);
    expect(() => validateConfig({ data: { ...minimal.data, targets: ['precip'] } })).toThrow(/'precip' is not a channel/);
    expect(() => validateConfig({ data: { ...minimal.data, sources: [{ files: 'a', variable: 'x' }, { files: 'b', variable: 'x' }] } })).toThrow(/used twice/);
  });

  it('reports unreadable and unparsable files as config errors', async () => {
    await expect(loadConfig(join(tmp.path, 'missing.yaml'))).rejects.toThrow(/cannot read/);
    const bad = join(tmp.path, 'bad.json');
    writeFileSync(bad, '{"data": ');
    await expect(loadConfig(bad)).rejects.toThrow(/not valid JSON/);
  });
});
