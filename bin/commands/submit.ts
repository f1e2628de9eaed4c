/** `gridcast submit CONFIG`: enqueue ingest → train → predict as one BullMQ flow. */
import { openProducers } from '../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../workers/flows/submit-flow.js';
import { parse, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, deploymentSettings } from '../cli/deployment-options.js';
import { followFlow } from './status.js';

export const submitCommand: Command = {
  name: 'submit',
  summary: 'enqueue a forecast pipeline (ingest → train → predict) as a flow for the workers',
  help: `usage: gridcast submit CONFIG [--wait] [options]

Enqueues the config's pipeline as a BullMQ flow: predict waits for train, train waits for
ingest. Prints the flow's id (also its run id in the model registry); follow it with
'gridcast status ID'. The config's source paths must be readable by the workers (a shared
file system); forecasts are written under <output root>/runs/ID/forecasts/.

options:
  --wait        follow the flow to its end with a progress bar; exit 1 if it failed
  --hindcast    issue the forecast tOut steps before the last input
  --run-id ID   choose the run id (default run-<time>-<random>)
${COMMON_HELP}
${DEPLOYMENT_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...COMMON_OPTIONS, ...DEPLOYMENT_OPTIONS, wait: { type: 'boolean' }, hindcast: { type: 'boolean' }, 'run-id': { type: 'string' },
    });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const loaded = await loadWithOverrides(positionals[0], values);
    const s = deploymentSettings(values);
    const p = openProducers(s.prefix);
    try {
      const flow = await submitForecastFlow(p.flows, loaded, { prefix: s.prefix, runId: values['run-id'], hindcast: !!values.hindcast });
      const mode = outputMode(values);
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ event: 'submitted', ...flow })}\n`);
      else process.stdout.write(`${flow.runId}\n`);
      if (!values.wait) return 0;
      const final = await followFlow(p.queues, flow.runId, mode);
      return final.state === 'completed' ? 0 : 1;
    } finally {
      await p.close();
    }
  },
};
