/** `gridcast predict CONFIG`: forecast from the latest inputs into GeoTIFF/NetCDF/PNG + run.json. */
import { predict } from '../../pipeline/stages/predict.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { outputLines } from '../cli/pipeline-report.js';
import { createProgress } from '../cli/progress.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'forecast tOut lead times from the latest tIn observations, written as COG/NetCDF/PNG',
  help: `usage: gridcast predict CONFIG [options]

Reads the last tIn time steps of the config's predict sources (default: its data sources),
checks that the checkpoint fits them (channels, grid, CRS) before reading any values, runs the
model, de-normalises, blanks cells without input data, and writes one Cloud-Optimized GeoTIFF
per variable (one band per lead time), plus the NetCDF/PNG the config asks for and run.json,
into <out>/forecasts/<name>_<issue time> (written under a temporary name, then renamed).
Missing input steps fail with exit code 1 and write nothing.

options:
  --checkpoint DIR  checkpoint directory (default <out>/checkpoints/best)
  --at ISO          issue time: the last input step (default: the latest step available)
  --hindcast        issue tOut steps before the latest input, so outputs include observations
  --out-dir DIR     forecast directory (default <out>/forecasts/<name>_<issue time>)
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, checkpoint: { type: 'string' }, at: { type: 'string' }, hindcast: { type: 'boolean' }, 'out-dir': { type: 'string' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    if (values.at !== undefined && values.hindcast) throw new UsageError('--at and --hindcast exclude each other');
    if (values.at !== undefined && !Number.isFinite(Date.parse(values.at))) throw new UsageError(`--at must be an ISO-8601 time, got '${values.at}'`);
    const loaded = await loadWithOverrides(positionals[0], values);
    const progress = createProgress('predict', outputMode(values));
    const r = await predict(loaded, {
      checkpoint: values.checkpoint, at: values.at, hindcast: !!values.hindcast, outDir: values['out-dir'],
      log: (line) => progress.event('log', { line }, line),
    });
    createProgress('predict', outputMode(values), process.stdout).event('forecast', { dir: r.dir, files: r.files, issueTime: r.issueTime, validTimes: r.validTimes, backend: r.backend, metrics: r.metrics ?? null }, outputLines(r).join('\n'));
    return 0;
  },
};
