/** `gridcast convert TORCH.safetensors --out DIR`: the seed's PyTorch ConvLSTM → a gridcast checkpoint. */
import { resolve } from 'node:path';
import { loadConfig } from '../../pipeline/config/load-config.js';
import { dataSectionFromDataset, dataSectionFromValues } from '../../pipeline/convert/data-section.js';
import { importTorchCheckpoint } from '../../pipeline/convert/torch-checkpoint.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { createProgress } from '../cli/progress.js';
import { outputMode } from '../cli/common-options.js';
import { datasetFor } from '../cli/stage-dataset.js';

const list = (v: unknown) => (v === undefined ? undefined : String(v).split(',').map((s) => s.trim()));
const numbers = (v: unknown, flag: string) => list(v)?.map((s) => {
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} takes comma-separated numbers, got '${v}'`);
  return n;
});
const int = (v: unknown, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
};

export const convertCommand: Command = {
  name: 'convert',
  summary: "import the seed's PyTorch ConvLSTM weights (safetensors) as a gridcast checkpoint",
  help: `usage: gridcast convert TORCH.safetensors --out DIR (--config CONFIG | --channels a,b --t-in N --t-out N --height H --width W [...])

Converts a PyTorch state dict of the seed's ConvLSTM (keys 'cell_list.{i}.conv.weight'
[4h, in+h, kh, kw] and 'cell_list.{i}.conv.bias' [4h], saved with safetensors) into a checkpoint
directory (config.json + weights.safetensors) that 'gridcast predict/evaluate --checkpoint DIR'
and the models API load. The checkpoint is a ConvLSTM forecaster with the seed's head (slice
the last tOut steps, project hidden -> output channels with a 1x1 convolution): its encoder is
the PyTorch ConvLSTM, weight for weight, so its outputs equal PyTorch's. The head is read from
'head.weight' ([C_out, F, 1, 1] as nn.Conv2d(F, C_out, 1), or [C_out, F] as nn.Linear) and
'head.bias' when the file has them; otherwise it is the identity (output k = hidden channel k),
i.e. the forecasts are raw hidden activations until the head is trained. A common prefix in
front of 'cell_list.' (a wrapping module, e.g. 'convlstm.') is detected. Other keys are an error
that lists the keys expected.

The data the checkpoint is for (channels, targets, windows, grid, normalisation) comes from a
config's dataset (--config; ingested first, or reused when up to date) or from the flags below.

options:
  --out DIR            checkpoint directory to write (required)
  --config CONFIG      take the data section from this config's dataset (and its model's
                       returnAllLayers/residual and seed)
  --dataset DIR        with --config: the dataset directory (default <out>/dataset of the config)
  --channels a,b       input channel names, in the model's order
  --targets a          forecast channels (default all channels)
  --t-in N, --t-out N  input steps and lead times (tOut <= tIn)
  --height H, --width W  grid size
  --geotransform g0,..,g5  GDAL geotransform (default 0,1,0,0,0,-1)
  --epsg N             CRS (default 4326)
  --step-hours N       hours between steps (default 1)
  --mean m1,.. --std s1,..  per-channel normalisation (default 0 and 1: the weights see raw values)
  --return-all-layers  the head reads every layer's output (F = sum of hidden sizes)
  --residual           the head predicts the change from the last input frame
  --prefix P           key prefix in front of 'cell_list.' (default: detected)
  --head-key K         name of the head module in the file (default 'head')
  -q, --quiet          no progress output
  --json               JSON lines on stdout
  -h, --help           show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      out: { type: 'string' }, config: { type: 'string' }, dataset: { type: 'string' },
      channels: { type: 'string' }, targets: { type: 'string' }, 't-in': { type: 'string' }, 't-out': { type: 'string' },
      height: { type: 'string' }, width: { type: 'string' }, geotransform: { type: 'string' }, epsg: { type: 'string' },
      'step-hours': { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' },
      'return-all-layers': { type: 'boolean' }, residual: { type: 'boolean' }, prefix: { type: 'string' }, 'head-key': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' },
    });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    if (positionals.length !== 1) throw new UsageError('convert needs exactly one TORCH.safetensors file');
    if (!values.out) throw new UsageError('--out DIR is required');
    const explicit = ['channels', 'targets', 't-in', 't-out', 'height', 'width', 'geotransform', 'epsg', 'step-hours', 'mean', 'std'].filter((k) => values[k] !== undefined);
    const mode = outputMode(values);
    const progress = createProgress('convert', mode);
    let data;
    let model = { returnAllLayers: !!values['return-all-layers'], residual: !!values.residual, seed: 0 };
    if (values.config !== undefined) {
      if (explicit.length) throw new UsageError(`--config takes the data description from the config; drop --${explicit.join(', --')}`);
      const loaded = await loadConfig(values.config);
      const ds = await datasetFor(loaded, values.dataset, progress);
      data = dataSectionFromDataset(ds.info);
      model = {
        returnAllLayers: values['return-all-layers'] || loaded.config.model.returnAllLayers,
        residual: values.residual || loaded.config.model.residual,
        seed: loaded.config.seed,
      };
    } else {
      for (const k of ['channels', 't-in', 't-out', 'height', 'width']) if (values[k] === undefined) throw new UsageError(`without --config, --${k} is required`);
      data = dataSectionFromValues({
        channels: list(values.channels)!, targets: list(values.targets),
        tIn: int(values['t-in'], 't-in')!, tOut: int(values['t-out'], 't-out')!, height: int(values.height, 'height')!, width: int(values.width, 'width')!,
        geotransform: numbers(values.geotransform, 'geotransform'), epsg: int(values.epsg, 'epsg'),
        stepHours: numbers(values['step-hours'], 'step-hours')?.[0], mean: numbers(values.mean, 'mean'), std: numbers(values.std, 'std'),
      });
    }
    const out = resolve(values.out);
    const r = await importTorchCheckpoint({ file: positionals[0]!, out, data, prefix: values.prefix, headKey: values['head-key'], ...model });
    const m = r.config.model as unknown as { hiddenDim: number[]; kernelSize: number[][]; inputDim: number };
    createProgress('convert', mode, process.stdout).event('converted', { checkpoint: r.dir, head: r.head, keys: r.keys, model: r.config.model },
      `checkpoint written: ${r.dir}\n  ConvLSTM ${m.inputDim} -> hidden [${m.hiddenDim.join(', ')}], kernels ${m.kernelSize.map((k) => k.join('x')).join(', ')}; head ${r.head === 'file' ? 'from the file' : 'identity (train it, or use the encoder as a feature extractor)'}`);
    return 0;
  },
};
