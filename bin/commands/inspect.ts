/** `gridcast inspect FILE…`: dimensions, variables, attributes, grid, CRS and time range. */
import { openRaster } from '../../datasets/formats/registry.js';
import { formatInspectReport, inspectRaster } from '../../datasets/inspect.js';
import { parse, UsageError, type Command } from '../cli/command.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'describe NetCDF (classic, NetCDF-4) and GeoTIFF files like ncdump -h / gdalinfo',
  help: `usage: gridcast inspect [--json] FILE...

Shows a file's format, dimensions, variables (type, shape, storage, attributes), global
attributes, and for each data variable the grid gridcast would ingest: size, extent,
resolution, CRS and time range. The format is detected from the file's first bytes.

options:
  --json      print a machine-readable JSON report (one object per file, in an array)
  -h, --help  show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(`${this.help}\n`);
      return 0;
    }
    if (!positionals.length) throw new UsageError('inspect needs at least one FILE');
    const reports = [];
    for (const file of positionals) {
      const ds = await openRaster(file);
      try {
        reports.push(await inspectRaster(ds));
      } finally {
        await ds.close();
      }
    }
    if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 1)}\n`);
    else process.stdout.write(`${reports.map(formatInspectReport).join('\n\n')}\n`);
    return 0;
  },
};
