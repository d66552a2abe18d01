/**
 * Measures the workflow clock a worker gives code that runs for a query before its first workflow task.
 *
 * Workflows loop sleep → activity(Date.now()) while their worker is SIGKILLed and restarted; a client asks
 * each of them a query every 150 ms (as the API and the chaos harness do), or none; the worker runs bare,
 * or with rtcflow's takeover guard (workflows/lib/takeover.ts), which every rtcflow worker runs. Afterwards each
 * activity's recorded input (the clock the workflow code saw when it scheduled it) is compared with the
 * start time of the workflow task that scheduled it, which is what every replay sees. A difference means
 * workflow code may not decide anything on `Date.now()` (workflows/lib/loop.ts `waitForPoll`).
 *
 *   npx tsx bench/chaos/stale-clock/main.ts [--sessions 6] [--rounds 30] [--kills 5] [--json out.json]
 *
 * Prints one JSON object: per mode (queries on/off, guard on/off) the activities scheduled, how many saw a
 * clock behind their task's start, by how much at most, and the queries that failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { killChild, startTemporal } from '../../lib/cluster';
import { sleep } from '../../lib/util';

function startProbeWorker(address: string, taskQueue: string, guard: boolean): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./worker'), address, taskQueue, guard ? 'guard' : 'bare'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (d: Buffer) => {
      if (String(d).includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`probe worker exited (${code}) before it was ready`)));
  });
}

interface ModeResult {
  queries: boolean;
  guard: boolean;
  queriesFailed: number;
  activities: number;
  behind: number;
  maxBehindMs: number;
}

async function runMode(address: string, client: Client, queries: boolean, guard: boolean, o: { sessions: number; rounds: number; kills: number }): Promise<ModeResult> {
  const taskQueue = `stale-clock-${queries ? 'q' : 'nq'}-${guard ? 'g' : 'b'}-${Date.now()}`;
  let worker = await startProbeWorker(address, taskQueue, guard);
  let queriesFailed = 0;
  const handles = await Promise.all(
    Array.from({ length: o.sessions }, (_, i) => client.workflow.start('staleClockProbe', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [o.rounds, 700] })),
  );
  let asking = queries;
  const askers = handles.map(async (h) => {
    while (asking) {
      await h.query<number>('round').catch(() => {
        queriesFailed++;
      });
      await sleep(150);
    }
  });
  for (let k = 0; k < o.kills; k++) {
    await sleep(2000 + Math.random() * 2000);
    await killChild(worker);
    await sleep(1000 + Math.random() * 2500);
    worker = await startProbeWorker(address, taskQueue, guard);
  }
  await Promise.all(handles.map((h) => h.result()));
  asking = false;
  await Promise.all(askers);
  await killChild(worker);

  const result: ModeResult = { queries, guard, queriesFailed, activities: 0, behind: 0, maxBehindMs: 0 };
  for (const h of handles) {
    const events = (await h.fetchHistory()).events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const e of events) {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a) continue;
      const seenAt = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString()) as number;
      const completed = byId.get(Number(a.workflowTaskCompletedEventId))!;
      const started = byId.get(Number(completed.workflowTaskCompletedEventAttributes!.startedEventId))!;
      const startedAt = Number(started.eventTime!.seconds) * 1000 + Math.floor((started.eventTime!.nanos ?? 0) / 1e6);
      result.activities++;
      if (seenAt < startedAt - 1) {
        result.behind++;
        result.maxBehindMs = Math.max(result.maxBehindMs, startedAt - seenAt);
      }
    }
  }
  return result;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const val = (n: string) => (argv.indexOf(`--${n}`) >= 0 ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
  const o = { sessions: Number(val('sessions') ?? 6), rounds: Number(val('rounds') ?? 30), kills: Number(val('kills') ?? 5) };
  const temporal = await startTemporal({ inMemory: true });
  try {
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const modes = [
      await runMode(temporal.address, client, true, false, o),
      await runMode(temporal.address, client, true, true, o),
      await runMode(temporal.address, client, false, false, o),
    ];
    const out = { scenario: 'stale-clock', ...o, modes };
    const json = JSON.stringify(out, null, 2);
    if (val('json')) writeFileSync(val('json')!, json);
    console.log(json);
  } finally {
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
