/** `gridcast schedule CONFIG --cron PATTERN`: scheduled batch forecasts (BullMQ job schedulers). */
import { openProducers } from '../../workers/flows/queues-handle.js';
import { listForecastSchedules, removeForecastSchedule, upsertForecastSchedule } from '../../workers/schedules/forecast-schedule.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { loadWithOverrides } from '../cli/common-options.js';
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, deploymentSettings } from '../cli/deployment-options.js';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'register, list or remove scheduled forecasts (cron) run by the predict workers',
  help: `usage: gridcast schedule CONFIG --cron PATTERN [--tz ZONE] [--name NAME]
       gridcast schedule --list
       gridcast schedule --remove NAME

Registers a job scheduler (idempotent: the same name replaces it). Each run forecasts from the
newest input window the config's sources name, with the registry's production model for the
config's name, into <output root>/schedules/NAME/forecasts/. A run whose inputs are not there
yet fails with the reason and is retried with exponential backoff; no partial output is written.

options:
  --cron P      cron pattern, e.g. "0 */6 * * *" (6 fields: seconds first)
  --tz ZONE     time zone of the pattern (default UTC)
  --name NAME   scheduler name (default: the config's name)
  --step-hours H   issue each run at the newest H-hourly step before it was due (with --lag-hours)
                   instead of the newest step in the files; late inputs then fail and are retried
  --lag-hours L    how long observations take to arrive (default 0)
  --list        list the schedulers
  --remove NAME remove a scheduler
${DEPLOYMENT_HELP}
  -h, --help    show this help`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...DEPLOYMENT_OPTIONS, cron: { type: 'string' }, tz: { type: 'string' }, name: { type: 'string' }, list: { type: 'boolean' }, remove: { type: 'string' }, json: { type: 'boolean' },
      'step-hours': { type: 'string' }, 'lag-hours': { type: 'string' },
    });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const s = deploymentSettings(values);
    const p = openProducers(s.prefix);
    try {
      const queue = p.queues.predict;
      if (values.list) {
        const list = await listForecastSchedules(queue);
        if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else for (const j of list) process.stdout.write(`${j.key}\t${j.pattern ?? j.every}\t${j.tz ?? ''}\tnext ${j.next ? new Date(j.next).toISOString() : '-'}\n`);
        return 0;
      }
      if (values.remove !== undefined) {
        const ok = await removeForecastSchedule(queue, String(values.remove));
        process.stdout.write(ok ? `removed ${values.remove}\n` : `no scheduler named ${values.remove}\n`);
        return ok ? 0 : 1;
      }
      if (!values.cron) throw new UsageError('--cron is required to register a schedule');
      const loaded = await loadWithOverrides(positionals[0], {});
      const stepHours = values['step-hours'] === undefined ? undefined : Number(values['step-hours']);
      const lagHours = values['lag-hours'] === undefined ? undefined : Number(values['lag-hours']);
      if (lagHours !== undefined && stepHours === undefined) throw new UsageError('--lag-hours needs --step-hours');
      const name = await upsertForecastSchedule(queue, loaded, {
        pattern: String(values.cron), tz: values.tz, name: values.name,
        ...(stepHours !== undefined ? { issue: { stepHours, lagHours } } : {}),
      });
      process.stdout.write(`${name}\n`);
      return 0;
    } finally {
      await p.close();
    }
  },
};
