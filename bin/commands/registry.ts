/** `gridcast registry list|promote ID`: the trained runs and the production model. */
import { openProducers } from '../../workers/flows/queues-handle.js';
import { ModelRegistry } from '../../workers/registry/model-registry.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, deploymentSettings } from '../cli/deployment-options.js';

export const registryCommand: Command = {
  name: 'registry',
  summary: 'list trained runs with their metrics, or promote one to production',
  help: `usage: gridcast registry list [--name NAME] [--json]
       gridcast registry promote ID

Each finished train job records its run (checkpoint, best validation loss, test RMSE). The
production model of a name — used by scheduled forecasts — is the promoted run, else the run
with the lowest validation loss. Listed best first; '*' marks production.

options:
  --name NAME   only runs of this model name
  --json        JSON on stdout
${DEPLOYMENT_HELP}
  -h, --help    show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...DEPLOYMENT_OPTIONS, name: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const [action, id] = positionals;
    const s = deploymentSettings(values);
    const p = openProducers(s.prefix);
    try {
      const reg = new ModelRegistry(p.connection, s.prefix);
      if (action === 'list') {
        const runs = await reg.list(values.name);
        const prod = new Map<string, string | undefined>();
        for (const n of new Set(runs.map((r) => r.name))) prod.set(n, await reg.productionId(n));
        if (values.json) {
          process.stdout.write(`${JSON.stringify(runs.map((r) => ({ ...r, production: prod.get(r.name) === r.runId })))}\n`);
          return 0;
        }
        for (const r of runs) {
          process.stdout.write(`${prod.get(r.name) === r.runId ? '*' : ' '} ${r.runId}\t${r.name}\tval ${r.bestValLoss.toFixed(4)}\ttest rmse ${r.testRmse === null ? '-' : r.testRmse.toFixed(4)}\tepochs ${r.epochs}\t${r.checkpoint}\n`);
        }
        return 0;
      }
      if (action === 'promote') {
        if (!id) throw new UsageError('promote needs a run ID');
        const r = await reg.promote(id);
        process.stdout.write(`${r.runId} is now the production model of '${r.name}'\n`);
        return 0;
      }
      throw new UsageError("expected 'list' or 'promote ID'");
    } finally {
      await p.close();
    }
  },
};
