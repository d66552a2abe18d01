/**
 * The chaos harness's deterministic probe: for every lifecycle at once, the call that creates its billable
 * resource is held in flight (a `hold` fault on that operation), the worker is SIGKILLed while all of them
 * wait, the calls are let through (the vendor creates, the caller is gone), a new worker starts; then each
 * session must come up, be stopped and complete with exactly one create in the emulator's ledger and
 * nothing live. What `npm run chaos` hits by chance, every time.
 *
 *   npx tsx bench/chaos/kill-in-create.ts [--lifecycles a,b] [--json out.json]
 *
 * Prints one JSON object; exits 1 on any duplicate create, leak or session that did not complete.
 */
import { writeFileSync } from 'node:fs';
import { EmulatorControl } from '../../test/helpers/emulator';
import { buildWorkflowBundle, startEmulator, startTemporal, startWorker } from '../lib/cluster';
import { LIFECYCLES, type Lifecycle, type Session } from './lifecycles';
import { chaosWorld, type ChaosWorld } from './world';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe extends Session {
  lc: Lifecycle;
  holdId?: string;
  held: boolean;
  ready: boolean;
  completed: boolean;
  phase?: string;
  status?: Record<string, unknown>;
  creates: number;
  intended: number;
  leaked: string[];
  error?: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const val = (n: string) => (argv.indexOf(`--${n}`) >= 0 ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
  const only = val('lifecycles')?.split(',');
  const lifecycles = LIFECYCLES.filter((l) => l.createCall && (!only || only.includes(l.name)));
  const [bundle, temporal, emulator] = await Promise.all([buildWorkflowBundle(), startTemporal(), startEmulator({})]);
  const control = new EmulatorControl(emulator.url);
  const taskQueue = 'chaos-kill-in-create';
  const worker = await startWorker({
    temporalAddress: temporal.address,
    emulatorUrl: emulator.url,
    taskQueue,
    workflowBundle: bundle,
    options: { stickyQueueScheduleToStartTimeout: '1s' },
    env: { RTCFLOW_TEST_HOOKS: '1' },
  });
  const tag = Date.now() % 100_000;
  let out: Record<string, unknown>;
  let world: ChaosWorld | undefined;
  try {
    world = await chaosWorld(temporal.address, emulator.url, taskQueue);
    const { ctx } = world;
    const { rtc } = ctx;
    // STT twice: 7.x (index 0) and 6.x (index 1)
    const probes: Probe[] = lifecycles.flatMap((lc) =>
      (lc.name === 'stt' ? [0, 1] : [0]).map((index) => ({
        lc,
        lifecycle: lc.name,
        channel: `kic${tag}-${lc.name.replace('cloud-recording', 'cr').replace('sparkrtc-recording', 'spark')}-${index}`,
        id: '',
        extra: { index },
        held: false,
        ready: false,
        completed: false,
        creates: 0,
        intended: 0,
        leaked: [],
      })),
    );
    // each create held (by product and operation: the channels are the only sessions of their product here)
    for (const p of probes) {
      await p.lc.prepare(ctx, p.channel);
      const call = p.lc.createCall!(p.extra.index as number);
      p.holdId = (await control.addFault({ match: call, action: { type: 'hold', maxMs: 120_000 }, count: 1 })).id;
      p.id = await p.lc.start(ctx, p.channel, p.extra.index as number);
    }
    const until = Date.now() + 60_000;
    while (Date.now() < until && probes.some((p) => !p.held)) {
      const faults = await control.faults();
      for (const p of probes) p.held ||= (faults.find((f) => f.id === p.holdId)?.waiting ?? 0) > 0;
      await sleep(200);
    }
    await worker.kill();
    for (const p of probes) await control.json('POST', `/_emulator/faults/${p.holdId}/release`).catch(() => undefined);
    await sleep(500);
    await worker.restart();
    await Promise.all(
      probes.map(async (p) => {
        const by = Date.now() + 150_000;
        while (Date.now() < by) {
          const st = await rtc.sessions.status(p.id).catch(() => undefined);
          if (st) {
            p.phase = st.phase;
            p.status = st;
            if (p.lc.ready.includes(st.phase)) {
              if (p.lc.onReady) await p.lc.onReady(ctx, p, st).catch(() => undefined);
              if (st.phase === p.lc.ready[p.lc.ready.length - 1]) {
                p.ready = true;
                break;
              }
            }
            if (st.phase === 'failed' || st.phase === 'completed') break;
          }
          await sleep(500);
        }
        if (p.lc.observe && p.status) await p.lc.observe(ctx, p, p.status).catch(() => undefined);
        try {
          await p.lc.stop(ctx, p);
        } catch (err) {
          p.error = String(err);
        }
        const progress = await rtc.sessions.progress(p.id).catch(() => undefined);
        p.completed = progress?.ok ?? false;
        p.phase = progress?.phase ?? p.phase;
      }),
    );
    let running = await control.tasks({ running: true });
    for (let i = 0; i < 20 && probes.some((p) => running.some((t) => t.cname === p.channel)); i++) {
      await sleep(500);
      running = await control.tasks({ running: true });
    }
    const ledger = await control.tasks({});
    for (const p of probes) {
      p.leaked = await p.lc.leaked(ctx, p, running, p.status);
      p.creates = await p.lc.creates(ctx, p, ledger);
      p.intended = p.lc.intendedCreates(p.status, undefined);
    }
    const problems = probes.flatMap((p) => [
      ...(p.held ? [] : [`${p.lifecycle} ${p.id}: its create was never held`]),
      ...(p.completed ? [] : [`${p.lifecycle} ${p.id}: not completed (phase ${p.phase}${p.error ? `, stop: ${p.error}` : ''})`]),
      ...(p.creates > Math.max(1, p.intended) ? [`${p.lifecycle} ${p.id}: ${p.creates} vendor creates, ${p.intended} intended`] : []),
      ...p.leaked.map((l) => `${p.lifecycle} ${p.id}: leaked ${l}`),
    ]);
    out = {
      benchmark: 'chaos-kill-in-create',
      ok: problems.length === 0,
      problems,
      sessions: probes.map((p) => ({
        lifecycle: p.lifecycle,
        id: p.id,
        create: p.lc.createCall!(p.extra.index as number),
        held: p.held,
        ready: p.ready,
        completed: p.completed,
        phase: p.phase,
        creates: p.creates,
        intendedCreates: p.intended,
        leaked: p.leaked,
      })),
    };
  } finally {
    await world?.close();
    await worker.stop().catch(() => undefined);
    await emulator.stop().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
  }
  const text = JSON.stringify(out, null, 2);
  const file = val('json');
  if (file) writeFileSync(file, `${text}\n`);
  console.log(text);
  if (!out.ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
