/**
 * `npm run chaos`: every lifecycle under faults, worker SIGKILLs and dev-server crashes, then stopped and
 * accounted for. Processes as in production (bench/lib/cluster.ts): the Temporal dev server on a SQLite
 * file, the vendor emulator and rtcflow workers, each its own process.
 *
 *   npm run chaos -- [--quick] [--sessions N] [--kills K] [--fault-rate R] [--server-restarts M] [--seed S]
 *                    [--duration SECONDS] [--time-scale X] [--lifecycles a,b] [--json out.json]
 *
 * 1. sessions of every lifecycle start through the typed client while vendor faults (errors, latency,
 *    connection resets, dropped responses at --fault-rate) are on;
 * 2. for --duration seconds each session gets the changes its lifecycle takes, one after another; the
 *    worker is SIGKILLed K times (every other time while a vendor call is held in flight) and the dev
 *    server M times (restarted on the same database and port);
 * 3. each session must show its last accepted change at the vendor; then every session is stopped (faults
 *    still on) and must complete;
 * 4. the emulator's ledger must hold nothing live of any session and no more creates per session than
 *    the session itself reports (recreations).
 * Prints one JSON object (and writes it to --json); exits 1 when anything leaked, was created twice, got
 * lost or did not complete.
 */
import { writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { VendorTask } from '../../emulator/world';
import { EmulatorControl } from '../../test/helpers/emulator';
import { buildWorkflowBundle, ProcSampler, startEmulator, startTemporal, startWorker, type WorkerProcess } from '../lib/cluster';
import { sleep, withTimeout } from '../lib/util';
import { LIFECYCLES, vendorHas, type Change, type Lifecycle, type Session } from './lifecycles';
import { chaosWorld, type ChaosWorld } from './world';
import { plan, rng, type ChaosEvent, type ChaosOptions, MUTATING_OPERATIONS } from './schedule';

/** What a SIGTERM/SIGINT of the run kills before it exits (the run's own processes: never left behind). */
const onSignalKill: Array<() => Promise<void>> = [];

export function parseArgs(argv: readonly string[]): ChaosOptions {
  const has = (n: string) => argv.includes(`--${n}`);
  const val = (n: string): string | undefined => {
    const i = argv.indexOf(`--${n}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (n: string, d: number) => {
    const v = val(n);
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${n} takes a number >= 0, not ${v}`);
    return x;
  };
  const quick = has('quick');
  const only = val('lifecycles')?.split(',');
  for (const name of only ?? []) if (!LIFECYCLES.some((l) => l.name === name)) throw new Error(`--lifecycles: no lifecycle ${name} (${LIFECYCLES.map((l) => l.name).join(', ')})`);
  return {
    quick,
    sessions: Math.max(1, Math.floor(num('sessions', quick ? 1 : 3))),
    kills: Math.floor(num('kills', quick ? 2 : 6)),
    faultRate: Math.min(1, num('fault-rate', 0.1)),
    serverRestarts: Math.floor(num('server-restarts', quick ? 1 : 2)),
    seed: Math.floor(num('seed', Date.now() % 1_000_000)),
    durationMs: num('duration', quick ? 20 : 60) * 1000,
    timeScale: num('time-scale', 1) || 1,
    json: val('json'),
    only,
  };
}

interface SessionRun extends Session {
  lc: Lifecycle;
  index: number;
  started: boolean;
  ready: boolean;
  /** from the start to the ready phase */
  readyMs?: number;
  startError?: string;
  /** per control: the last value a change of it was accepted with, and values sent later without an answer */
  accepted: Map<string, unknown>;
  unanswered: Map<string, unknown[]>;
  sent: number;
  acceptedCount: number;
  refused: number;
  refusals: string[];
  lost: Array<{ control: string; accepted: unknown; vendor: unknown }>;
  stopError?: string;
  lastStatus?: Record<string, unknown>;
  result?: unknown;
  completed: boolean;
  closedAs?: string;
  phase?: string;
  creates: number;
  intended: number;
  leaked: string[];
}

interface Timeline {
  at: number;
  what: string;
  [k: string]: unknown;
}

/** Retries `fn` on any error until it succeeds or `timeoutMs` passes (the server may be restarting). */
async function persist<T>(fn: () => Promise<T>, timeoutMs: number, what: string, giveUp?: (err: unknown) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      // one attempt may hang (a call in flight when the server died): it gets what is left, at most 30 s
      return await withTimeout(fn(), Math.max(1_000, Math.min(30_000, deadline - Date.now())), what);
    } catch (err) {
      last = err;
      if (giveUp?.(err)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
    await sleep(500);
  }
}

/** p50 and max of the values, ms (undefined when there are none). */
function percentiles(values: number[]): { p50: number; max: number } | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  return { p50: v[Math.floor(v.length / 2)]!, max: v[v.length - 1]! };
}

const isInvalidInput = (err: unknown) => (err as { name?: string })?.name === 'InvalidInputError';
const isUpdateRefused = (err: unknown) => (err as { name?: string })?.name === 'WorkflowUpdateFailedError';

export async function runChaos(o: ChaosOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Record<string, unknown>> {
  const random = rng(o.seed);
  const lifecycles = LIFECYCLES.filter((l) => !o.only || o.only.includes(l.name));
  const thePlan = plan(o, random);
  // how long a session gets to show its changes, to take the stop, and to close after it (--quick: half)
  // a stop waits for the session's vendor call in flight (one at a time): under dropped responses a `call`-kind
  // read retries up to 6 attempts of a 15 s header timeout plus 31 s of backoff (about 2 min), so even --quick
  // gives a stop that long (seen: a web recording still in `stopping` after 60 + 30 s, nothing leaked)
  const budget = o.quick ? { verifyMs: 30_000, stopMs: 120_000, closeMs: 60_000 } : { verifyMs: 45_000, stopMs: 120_000, closeMs: 60_000 };
  const t0 = Date.now();
  const timeline: Timeline[] = [];
  const note = (what: string, extra: Record<string, unknown> = {}) => {
    timeline.push({ at: Date.now() - t0, what, ...extra });
    log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what} ${Object.keys(extra).length ? JSON.stringify(extra) : ''}`);
  };

  const [bundle, temporal, emulator] = await Promise.all([buildWorkflowBundle(), startTemporal(), startEmulator({ timeScale: o.timeScale, requestLogLimit: 500_000 })]);
  onSignalKill.push(
    () => temporal.kill(),
    () => emulator.kill(),
  );
  note('started', { temporal: temporal.address, emulator: emulator.url });
  const control = new EmulatorControl(emulator.url);
  const taskQueue = `chaos-${o.seed}`;
  const workers: WorkerProcess[] = [];
  let world: ChaosWorld | undefined;
  const sampler = new ProcSampler();
  let supervising = true;
  let unexpectedWorkerExits = 0;
  let intentionalDown = false;
  const supervisor = (async () => {
    // a worker that died on its own (e.g. it gave up on a restarting server) comes back
    while (supervising) {
      await sleep(500);
      if (intentionalDown) continue;
      for (const w of workers) {
        if (!w.alive && supervising && !intentionalDown) {
          unexpectedWorkerExits++;
          note('worker exited on its own: restarting');
          await w.restart().catch((err: unknown) => note('worker restart failed', { error: String(err) }));
        }
      }
    }
  })();
  try {
    const worker = await startWorker({
      temporalAddress: temporal.address,
      emulatorUrl: emulator.url,
      taskQueue,
      workflowBundle: bundle,
      options: { stickyQueueScheduleToStartTimeout: '1s' },
      env: { RTCFLOW_TEST_HOOKS: '1' },
    });
    workers.push(worker);
    onSignalKill.push(() => worker.kill());
    sampler
      .add('temporal', () => temporal.pid)
      .add('emulator', emulator.pid)
      .add('worker', () => worker.pid)
      .start();
    note('worker ready', { pid: worker.pid });

    world = await chaosWorld(temporal.address, emulator.url, taskQueue);
    const { ctx } = world;
    const { rtc } = ctx;

    // ---- faults on, sessions start ----
    const faultIds: string[] = [];
    for (const f of thePlan.faults) faultIds.push((await control.addFault(f)).id);
    note('faults on', { rate: o.faultRate, rules: thePlan.faults.length });

    const sessions: SessionRun[] = lifecycles.flatMap((lc) =>
      Array.from({ length: o.sessions }, (_, index) => ({
        lc,
        lifecycle: lc.name,
        index,
        channel: `chaos${o.seed}-${lc.name.replace('cloud-recording', 'cr').replace('sparkrtc-recording', 'spark')}-${index}`,
        id: '',
        extra: {},
        started: false,
        ready: false,
        accepted: new Map(),
        unanswered: new Map(),
        sent: 0,
        acceptedCount: 0,
        refused: 0,
        refusals: [],
        lost: [],
        completed: false,
        creates: 0,
        intended: 0,
        leaked: [],
      })),
    );

    const chaosStart = Date.now();
    const chaosEnd = chaosStart + o.durationMs;

    const drive = async (s: SessionRun) => {
      const r = rng(o.seed * 1_000 + sessions.indexOf(s));
      try {
        await s.lc.prepare(ctx, s.channel);
        s.id = await persist(() => s.lc.start(ctx, s.channel, s.index), 60_000, `start ${s.lifecycle}`, isInvalidInput);
        s.started = true;
      } catch (err) {
        s.startError = String(err);
        note('start failed', { session: s.channel, error: s.startError });
        return;
      }
      // up (and, for the ingest, pushed to) before any change
      // a kill loses the activities in flight until their start-to-close timeout (30 s) passes: allow a few
      const readyBy = Date.now() + o.durationMs + 90_000;
      const startedAt = Date.now();
      while (Date.now() < readyBy) {
        const st = await withTimeout(rtc.sessions.status(s.id), 10_000, 'status').catch(() => undefined);
        if (st) {
          s.phase = st.phase;
          if (s.lc.ready.includes(st.phase)) {
            if (s.lc.onReady) await s.lc.onReady(ctx, s, st).catch(() => undefined);
            if (st.phase === s.lc.ready[s.lc.ready.length - 1]) {
              s.ready = true;
              s.readyMs = Date.now() - startedAt;
              break;
            }
          }
          if (st.phase === 'failed' || st.phase === 'completed') break;
        }
        await sleep(300);
      }
      if (!s.ready) note('never ready', { session: s.id, phase: s.phase });
      if (!s.ready || !s.lc.change) return;
      // changes all through the chaos phase, and at least two per session however late it got ready
      for (let n = 1; n <= 2 || Date.now() < chaosEnd; n++) {
        await sleep(800 + r() * 2_500);
        const change: Change = s.lc.change(ctx, s, n);
        s.sent++;
        try {
          // a session that no longer answers must not hold the run (it is reported, with its history, below)
          await withTimeout(change.send(), 60_000, `${change.control} of ${s.id}`);
          s.accepted.set(change.control, change.value);
          s.unanswered.set(change.control, []);
          s.acceptedCount++;
        } catch (err) {
          if (isUpdateRefused(err) || isInvalidInput(err)) {
            s.refused++;
            s.refusals.push(`${change.control}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
          }
          // no answer (the server was down, the call timed out): it may still arrive
          else s.unanswered.set(change.control, [...(s.unanswered.get(change.control) ?? []), change.value]);
        }
      }
    };

    const drivers = Promise.all(sessions.map((s) => drive(s)));

    // ---- the kill/restart timeline ----
    const runEvent = async (e: ChaosEvent) => {
      if (e.kind === 'server-restart') {
        intentionalDown = true;
        const pid = temporal.pid;
        await temporal.kill();
        note('dev server SIGKILLed', { pid });
        await sleep(e.downMs);
        await temporal.restart();
        intentionalDown = false;
        note('dev server restarted on the same database', { pid: temporal.pid, downMs: e.downMs });
        return { ...e, pid };
      }
      const w = workers[0]!;
      let holdId: string | undefined;
      let held = false;
      let heldMatch: string | undefined;
      const seq = (await control.requests({})).at(-1)?.seq ?? 0;
      if (e.inFlight) {
        // a vendor call of that product (any call that changes something, if none comes) held in flight
        for (const match of [{ product: e.product, operation: MUTATING_OPERATIONS }, { operation: MUTATING_OPERATIONS }]) {
          const rule = await control.addFault({ match, action: { type: 'hold', maxMs: 60_000 }, count: 1 });
          holdId = rule.id;
          const until = Date.now() + 6_000;
          while (!held && Date.now() < until) {
            held = ((await control.faults()).find((x) => x.id === rule.id)?.waiting ?? 0) > 0;
            if (!held) await sleep(100);
          }
          if (held) {
            heldMatch = match.product ?? 'any product';
            break;
          }
          await control.removeFault(rule.id).catch(() => undefined);
          holdId = undefined;
        }
      }
      intentionalDown = true;
      const pid = w.pid;
      await w.kill();
      // the held call goes on now: the vendor applies it and answers a caller that is gone
      if (holdId) await control.json('POST', `/_emulator/faults/${holdId}/release`).catch(() => undefined);
      // the held request is logged once answered (not at all when fastify saw its caller go first)
      let call: { product?: string; operation?: string; status: number } | undefined;
      if (held) {
        await sleep(500);
        const r = (await control.requests({ sinceSeq: seq })).find((x) => x.fault === 'hold');
        call = r ? { product: r.product, operation: r.operation, status: r.status } : undefined;
      }
      note(held ? 'worker SIGKILLed inside a vendor call' : 'worker SIGKILLed', { pid, ...(held ? { heldMatch } : {}), ...(call ? { call } : {}) });
      await sleep(200 + random() * 800);
      await w.restart();
      intentionalDown = false;
      note('worker restarted', { pid: w.pid });
      return { ...e, pid, held, heldMatch, call };
    };
    const done: Array<Record<string, unknown>> = [];
    for (const e of thePlan.events) {
      const wait = chaosStart + e.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      done.push(await runEvent(e).catch((err: unknown) => ({ ...e, error: String(err) })));
    }
    const left = chaosEnd - Date.now();
    if (left > 0) await sleep(left);
    await drivers;
    note('chaos phase over: checking the changes arrived');

    // ---- every accepted change is at the vendor ----
    await Promise.all(
      sessions
        .filter((s) => s.ready)
        .map(async (s) => {
          const want = [...s.accepted.keys()];
          let last: { applied: boolean; vendor: Record<string, unknown> } | undefined;
          const by = Date.now() + budget.verifyMs;
          while (Date.now() < by) {
            const st = await withTimeout(rtc.sessions.status(s.id), 10_000, 'status').catch(() => undefined);
            if (st) s.lastStatus = st;
            if (st && s.lc.observe) {
              last = await s.lc.observe(ctx, s, st).catch(() => last);
              if (last && last.applied && want.every((c) => vendorHas(c, last!.vendor[c], [s.accepted.get(c), ...(s.unanswered.get(c) ?? [])]))) return;
            } else if (st && want.length === 0) return;
            await sleep(500);
          }
          for (const c of want) {
            if (!vendorHas(c, last?.vendor[c], [s.accepted.get(c), ...(s.unanswered.get(c) ?? [])]))
              s.lost.push({ control: c, accepted: s.accepted.get(c), vendor: last?.vendor[c] });
          }
          if (s.lost.length) note('accepted change not at the vendor', { session: s.id, lost: s.lost });
        }),
    );

    // ---- stop everything (faults still on) ----
    note('stopping every session');
    await Promise.all(
      sessions
        .filter((s) => s.started)
        .map(async (s) => {
          try {
            // a session that failed or was terminated has no stop to give: its end is checked below
            s.result = await persist(
              () => s.lc.stop(ctx, s),
              budget.stopMs,
              `stop ${s.id}`,
              (err) => ['WorkflowFailedError', 'WorkflowNotFoundError'].includes((err as Error).name),
            );
          } catch (err) {
            const cause = (err as { cause?: { cause?: Error } & Error }).cause;
            s.stopError = `${String(err)}${cause ? ` (${cause.message}${cause.cause ? `: ${cause.cause.message}` : ''})` : ''}`;
          }
          const by = Date.now() + budget.closeMs;
          while (Date.now() < by) {
            const p = await withTimeout(rtc.sessions.progress(s.id), 10_000, 'progress').catch(() => undefined);
            if (p) {
              s.phase = p.phase;
              s.closedAs = p.status;
              if (p.status !== 'RUNNING') {
                s.completed = p.ok;
                break;
              }
            }
            await sleep(500);
          }
          const st = await withTimeout(rtc.sessions.status(s.id), 10_000, 'status').catch(() => undefined);
          if (st) s.lastStatus = st;
          note(s.completed ? 'completed' : 'did not complete', {
            session: s.id,
            phase: s.phase,
            status: s.closedAs,
            ...(s.stopError ? { stopError: s.stopError } : {}),
            ...(s.completed ? {} : { reason: st?.reason }),
          });
        }),
    );
    // a session that did not complete leaves its history beside the JSON (--json), to be read or replayed
    if (o.json) {
      for (const s of sessions.filter((x) => x.started && !x.completed)) {
        const file = `${o.json}.${s.id.replace(/[^\w.-]+/g, '_')}.history.json`;
        await withTimeout(ctx.client.workflow.getHandle(s.id).fetchHistory(), 30_000, 'history')
          .then((h) => writeFileSync(file, `${JSON.stringify(historyToJSON(h))}\n`))
          .then(() => note('history written', { session: s.id, file }))
          .catch((err: unknown) => note('history not fetched', { session: s.id, error: String(err) }));
      }
    }
    const faultsSeen = await control.faults();
    for (const id of faultIds) await control.removeFault(id).catch(() => undefined);
    await control.clearFaults();
    note('all stopped; faults off');

    // ---- the ledger: leaks and duplicate creates ----
    let running: VendorTask[] = [];
    for (let i = 0; i < 20; i++) {
      running = await control.tasks({ running: true });
      const mine = sessions.some((s) => running.some((t) => t.cname === s.channel));
      if (!mine) break;
      await sleep(500);
    }
    const ledger = await control.tasks({});
    for (const s of sessions) {
      s.leaked = await s.lc
        .leaked(ctx, s, running, (s.result as Record<string, unknown> | undefined) ?? s.lastStatus)
        .catch((err: unknown) => [`(could not check: ${String(err)})`]);
      s.creates = await s.lc.creates(ctx, s, ledger).catch(() => 0);
      s.intended = s.started ? s.lc.intendedCreates(s.lastStatus, s.result) : 0;
    }

    const summarise = (list: SessionRun[]) => {
      const duplicated = list.reduce((n, s) => n + Math.max(0, s.creates - Math.max(s.intended, s.started ? 1 : 0)), 0);
      return {
        sessions: list.length,
        started: list.filter((s) => s.started).length,
        ready: list.filter((s) => s.ready).length,
        readyMs: percentiles(list.flatMap((s) => (s.readyMs === undefined ? [] : [s.readyMs]))),
        completed: list.filter((s) => s.completed).length,
        notCompleted: list.filter((s) => !s.completed).length,
        updatesSent: list.reduce((n, s) => n + s.sent, 0),
        updatesAccepted: list.reduce((n, s) => n + s.acceptedCount, 0),
        updatesRefused: list.reduce((n, s) => n + s.refused, 0),
        updatesLost: list.reduce((n, s) => n + s.lost.length, 0),
        leaked: list.reduce((n, s) => n + s.leaked.length, 0),
        creates: list.reduce((n, s) => n + s.creates, 0),
        duplicated,
      };
    };
    const perLifecycle = Object.fromEntries(lifecycles.map((lc) => [lc.name, summarise(sessions.filter((s) => s.lc === lc))]));
    const total = summarise(sessions);
    const problems = sessions.flatMap((s) => {
      const out: string[] = [];
      if (!s.started) out.push(`${s.lifecycle} ${s.channel}: not started (${s.startError})`);
      if (s.started && !s.completed) out.push(`${s.lifecycle} ${s.id}: not completed (phase ${s.phase}, workflow ${s.closedAs}${s.stopError ? `, stop: ${s.stopError}` : ''})`);
      for (const l of s.leaked) out.push(`${s.lifecycle} ${s.id}: leaked ${l}`);
      if (s.creates > Math.max(s.intended, 1)) out.push(`${s.lifecycle} ${s.id}: ${s.creates} vendor creates, ${s.intended} intended`);
      for (const l of s.lost) out.push(`${s.lifecycle} ${s.id}: accepted ${l.control}=${JSON.stringify(l.accepted)} but the vendor has ${JSON.stringify(l.vendor)}`);
      return out;
    });
    const kills = done.filter((e) => e.kind === 'worker-kill' && !e.error);
    const restarts = done.filter((e) => e.kind === 'server-restart' && !e.error);
    return {
      benchmark: 'chaos',
      seed: o.seed,
      quick: o.quick,
      options: { sessionsPerLifecycle: o.sessions, kills: o.kills, faultRate: o.faultRate, serverRestarts: o.serverRestarts, durationMs: o.durationMs, timeScale: o.timeScale },
      runMs: Date.now() - t0,
      lifecycles: perLifecycle,
      total,
      ok: total.notCompleted === 0 && total.leaked === 0 && total.duplicated === 0 && total.updatesLost === 0,
      problems,
      schedule: {
        workerKills: kills.length,
        workerKillsInFlight: kills.filter((e) => e.held).length,
        serverRestarts: restarts.length,
        unexpectedWorkerExits,
        events: done,
        faults: faultsSeen.filter((f) => faultIds.includes(f.id)).map((f) => ({ action: f.action, probability: f.probability, hits: f.hits })),
      },
      sessions: sessions.map((s) => ({
        lifecycle: s.lifecycle,
        id: s.id || undefined,
        channel: s.channel,
        completed: s.completed,
        phase: s.phase,
        readyMs: s.readyMs,
        updates: { sent: s.sent, accepted: s.acceptedCount, refused: s.refused, refusals: s.refusals, lost: s.lost },
        creates: s.creates,
        intendedCreates: s.intended,
        leaked: s.leaked,
        ...(s.extra.uncertainKeys ? { uncertainKeys: s.extra.uncertainKeys } : {}),
      })),
      timeline,
      processes: sampler.stop(),
    };
  } finally {
    supervising = false;
    await supervisor;
    await world?.close();
    for (const w of workers) await w.stop().catch(() => undefined);
    await emulator.stop().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void Promise.allSettled(onSignalKill.map((kill) => kill())).then(() => process.exit(130));
    });
  }
  const o = parseArgs(process.argv.slice(2));
  const out = await runChaos(o);
  const text = JSON.stringify(out, null, 2);
  if (o.json) writeFileSync(o.json, `${text}\n`);
  console.log(text);
  if (!out.ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
