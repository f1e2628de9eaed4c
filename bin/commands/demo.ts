/** `gridcast demo`: the embedded default — synthetic storms, a small ConvLSTM, a verified forecast. */
import { resolve } from 'node:path';
import { prepareDemo } from '../../pipeline/demo.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { outputMode } from '../cli/common-options.js';
import { createProgress } from '../cli/progress.js';
import { runWithReport } from './run.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate synthetic storms, train a small ConvLSTM, evaluate and write forecasts (no setup)',
  help: `usage: gridcast demo [--out DIR] [--epochs N] [--backend B] [--seed N] [-q|--json]

The embedded default, a few minutes on 2 CPU cores: writes synthetic storm fields with a known
advection as real files (NetCDF for tcw and sst, one Cloud-Optimized GeoTIFF per time step for
precip) into DIR/data, writes the config it uses to DIR/config.json (repeat it with
'gridcast run DIR/config.json'), then ingests, trains, evaluates against persistence and
climatology, and writes GeoTIFF, NetCDF and PNG forecasts into DIR/forecasts.

options:
  --out DIR     output directory (default ./gridcast-demo)
  --epochs N    training epochs (default 20)
  --backend B   auto|tensorflow|native|wasm|cpu (default auto)
  --seed N      random seed (default 42)
  -q, --quiet   no progress output
  --json        JSON lines on stdout
  -h, --help    show this help`,
  async run(argv) {
    const { values } = parse(argv, { out: { type: 'string' }, epochs: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } }, false);
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
    if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new UsageError(`--epochs must be a positive integer, got '${values.epochs}'`);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
    const backend = values.backend as 'auto' | undefined;
    if (backend !== undefined && !['auto', 'tensorflow', 'native', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be auto|tensorflow|native|wasm|cpu, got '${backend}'`);
    const out = resolve(values.out ?? 'gridcast-demo');
    const mode = outputMode(values);
    const p = createProgress('demo', mode);
    p.event('demo', { out }, `writing synthetic storm data and config to ${out}`);
    const loaded = await prepareDemo({ out, epochs, seed, backend });
    await runWithReport(loaded, mode, true);
    p.event('demo-config', { config: loaded.file }, `\nrepeat with: gridcast run ${loaded.file}`);
    return 0;
  },
};
