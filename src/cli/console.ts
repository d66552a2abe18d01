/**
 * `rtcflow console ...` (Agora Console API: projects and usage) and `rtcflow iot activate`.
 *
 *   rtcflow console projects [--show-secrets] [--json]
 *   rtcflow console project create --name <name> [--sign-key] | get --id <id> --name <name>
 *   rtcflow console project enable|disable <id> [--json]
 *   rtcflow console signkey enable|disable|reset <id> [--json]
 *   rtcflow console usage [--project <id>] --from YYYY-MM-DD [--to YYYY-MM-DD] [--business cloudRecording] [--json]
 *   rtcflow iot activate --pid <pid> --license-key <device id> [--app-id <appId>] [--json]
 *
 * The calls go straight to Agora with the profile's credentials (AgoraAdmin), never through Temporal. A
 * project's sign_key (its App Certificate) is masked unless --show-secrets is given.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { AgoraAdmin, redactProject } from '../client/agora-admin';
import type { Project } from '../agora/console';
import { USAGE_BUSINESSES, USAGE_CLASSES, type UsageBusiness } from '../schemas/agora/console';
import { adminConfig, out } from './common';

export async function withAgoraAdmin<T>(profile: string, fn: (a: AgoraAdmin) => Promise<T>): Promise<T> {
  const admin = new AgoraAdmin(adminConfig(), profile);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Rows as an aligned text table (the first row is the header). */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const business = (v: string): UsageBusiness => {
  if (!(USAGE_BUSINESSES as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${USAGE_BUSINESSES.join(', ')}`);
  return v as UsageBusiness;
};

export function registerConsoleCommands(program: Command): void {
  const con = program.command('console').description('Agora Console API: projects, primary certificates, usage');
  const common = (c: Command) => c.option('--profile <name>', 'Agora profile (its customer credentials)', 'default').option('--json', 'print one JSON object');
  const show = (p: Project, secrets: boolean) => (secrets ? p : redactProject(p));
  const describe = (p: Project) => `${p.id}  ${p.name}  app ${p.vendor_key}  ${p.status === 1 ? 'enabled' : 'disabled'}  certificate ${p.sign_key ? 'on' : 'off'}`;

  common(con.command('projects').description('every project of the account'))
    .option('--show-secrets', 'print sign_key (the App Certificate) instead of ***')
    .action(async (o) => {
      const projects = await withAgoraAdmin(o.profile, (a) => a.projects());
      out(!!o.json, { projects: projects.map((p) => show(p, !!o.showSecrets)) }, () => projects.map(describe).join('\n') || '(no projects)');
    });

  const project = con.command('project').description('one project: create, get, enable, disable');
  common(project.command('create').description('creates a project (a new App ID)'))
    .requiredOption('--name <name>', 'unique project name (1-255 characters)')
    .option('--sign-key', 'enable the primary App Certificate')
    .option('--show-secrets', 'print sign_key instead of ***')
    .action(async (o) => {
      const p = await withAgoraAdmin(o.profile, (a) => a.createProject(o.name, !!o.signKey));
      out(!!o.json, show(p, !!o.showSecrets), () => describe(p));
    });
  common(project.command('get').description('the project with this id and name'))
    .requiredOption('--id <id>', 'project id')
    .requiredOption('--name <name>', 'project name')
    .option('--show-secrets', 'print sign_key instead of ***')
    .action(async (o) => {
      const p = await withAgoraAdmin(o.profile, (a) => a.project(o.id, o.name));
      if (!p) {
        console.error(`rtcflow: no project ${o.id} named ${o.name}`);
        process.exit(3);
      }
      out(!!o.json, show(p, !!o.showSecrets), () => describe(p));
    });
  for (const action of ['enable', 'disable'] as const) {
    common(project.command(`${action} <id>`).description(`${action}s a project`)).action(async (id: string, o) => {
      const p = await withAgoraAdmin(o.profile, (a) => a.setProjectEnabled(id, action === 'enable'));
      out(!!o.json, redactProject(p), () => describe(p));
    });
  }

  const signkey = con.command('signkey').description("a project's primary App Certificate");
  for (const action of ['enable', 'disable', 'reset'] as const) {
    common(signkey.command(`${action} <id>`).description(action === 'reset' ? 'a new certificate: tokens of the old one stop working' : `${action}s the certificate`))
      .option('--show-secrets', 'print sign_key instead of ***')
      .action(async (id: string, o) => {
        const p = await withAgoraAdmin(o.profile, (a) => (action === 'reset' ? a.resetSignKey(id) : a.setSignKeyEnabled(id, action === 'enable')));
        out(!!o.json, show(p, !!o.showSecrets), () => describe(p));
      });
  }

  common(con.command('usage').description('seconds used per UTC day by resolution (GET /dev/v3/usage)'))
    .option('--project <id>', "project id (default: the project of the profile's App ID)")
    .requiredOption('--from <date>', 'first UTC day, YYYY-MM-DD')
    .option('--to <date>', 'last UTC day (default: --from)')
    .option('--business <b>', `${USAGE_BUSINESSES.join(' | ')}`, business, 'default' as UsageBusiness)
    .action(async (o) => {
      const result = await withAgoraAdmin(o.profile, async (a) => {
        const projectId: string = o.project ?? (await a.currentProject()).id;
        return { projectId, business: o.business as UsageBusiness, days: await a.usageByDay({ projectId, from: o.from, to: o.to ?? o.from, business: o.business }) };
      });
      out(!!o.json, result, () =>
        table([
          ['date', ...USAGE_CLASSES.map((c) => c.replace('duration', '')), 'total s', 'minutes'],
          ...result.days.map((d) => [d.date, ...USAGE_CLASSES.map((c) => d.seconds[c]), d.total, (d.total / 60).toFixed(1)]),
        ]),
      );
    });

  const iot = program.command('iot').description('Agora IoT license activation');
  common(iot.command('activate').description('binds a license of SKU --pid to a device'))
    .requiredOption('--pid <pid>', 'the license SKU id')
    .requiredOption('--license-key <id>', 'the device id (serial number, MAC...), under 64 bytes')
    .option('--app-id <appId>', "the project's App ID (default: the profile's)")
    .action(async (o) => {
      const r = await withAgoraAdmin(o.profile, (a) => a.activateLicense(o.pid, o.licenseKey, o.appId));
      out(!!o.json, r, () => `license ${r.license}${r.skuView ? `  ${JSON.stringify(r.skuView)}` : ''}`);
    });
}
