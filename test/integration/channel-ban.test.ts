/**
 * The timed channel ban session on the real Temporal dev server against its own emulator process over
 * HTTP. The emulator's clock runs at real speed here (a test that needs Agora's expiry earlier or later
 * than the session's end changes its time scale, and puts it back), so the rule's `ts` and the session's
 * end can be compared. Every test ends with no rule of its channel left in the emulator; every history
 * is scanned for credentials (the harness).
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { banWorkflowId, InvalidInputError, RtcflowClient } from '../../src/client';
import type { Config } from '../../src/config';
import type { BanInput, BanResult } from '../../src/schemas/workflows/channel-ban';
import { banExtendUpdate, banStatusQuery, banStopUpdate, channelBan, type BanPhase } from '../../workflows/channel-ban';
import { agoraJson, APP } from '../helpers/agora-http';
import { withApi } from '../helpers/api';
import { json, rtcflow } from '../helpers/cli';
import type { EmulatorControl } from '../helpers/emulator';
import { sessionHarness } from '../helpers/harness';
import { failureOf, untilPhase } from '../helpers/session';
import { withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';

const world = sessionHarness({ timeScale: 1 });
let env: TestWorkflowEnvironment;
let control: EmulatorControl;
let config: Config;
beforeAll(() => {
  ({ env, control, config } = world);
});
afterEach(async () => {
  await control.setTimeScale(1);
});

interface ListedRule {
  id: number;
  cname?: string;
  uid?: number;
  ts: string;
  privileges: string[];
}

/** The rules Agora lists for the channel (the vendor's own view, through its REST API). */
async function rulesOf(channel: string): Promise<ListedRule[]> {
  const res = await agoraJson(world.emu.url, 'GET', `/dev/v1/kicking-rule?appid=${APP}`);
  expect(res.status).toBe(200);
  return (res.body.rules as ListedRule[]).filter((r) => r.cname === channel);
}

/** The request log's position now: what a test's later calls come after. */
const logPosition = async () => (await control.requests({})).at(-1)?.seq ?? 0;

/**
 * `operation:status[:fault]` of every kicking-rule call about `channel` or its rules, in order; with
 * `listsSince`, also every list made after that log position (a list names no channel).
 */
async function operations(channel: string, ruleIds: number[] = [], listsSince?: number): Promise<string[]> {
  const ids = new Set(ruleIds.map(String));
  return (await control.requests({ product: 'channel-management', sinceSeq: listsSince }))
    .filter((r) => r.cname === channel || (r.resourceId !== undefined && ids.has(r.resourceId)) || (listsSince !== undefined && r.operation === 'listRules'))
    .map((r) => `${r.operation}:${r.status}${r.fault ? `:${r.fault}` : ''}`);
}

const input = (channel: string, extra: Partial<BanInput> = {}): BanInput => ({ channel, uid: 4242, ...extra });

async function start(taskQueue: string, args: BanInput): Promise<WorkflowHandle<typeof channelBan>> {
  return world.track(await env.client.workflow.start(channelBan, { taskQueue, workflowId: uniqueId('wf-ban'), args: [args] }));
}

const phaseOf = (h: WorkflowHandle<typeof channelBan>, phase: BanPhase, timeoutMs?: number) => untilPhase(h, banStatusQuery, phase, timeoutMs);

/**
 * How far apart (ms) the rule's expiry `ts` and the session's end `endsAt` are, each counted from its
 * own clock's now (the emulator's clock may have been sped up or slowed down by an earlier test).
 */
async function apart(ts: string, endsAt: string): Promise<number> {
  const vendorLeft = Date.parse(ts) - (await control.now());
  return Math.abs(vendorLeft - (Date.parse(endsAt) - Date.now()));
}

test('a ban lifts itself at its end: the session deletes the rule (200), or finds Agora already removed it (404); no rule is left', async () => {
  await withWorker(env, config, async (tq) => {
    // Agora's clock at half speed: its rule outlives the session's end, so the session's delete removes it
    await control.setTimeScale(0.5);
    const slow = uniqueId('ban-end');
    const h1 = await start(tq, input(slow, { durationSeconds: 10 }));
    const active = await phaseOf(h1, 'active');
    expect(await rulesOf(slow)).toEqual([expect.objectContaining({ id: active.ruleId, uid: 4242, privileges: ['join_channel'] })]);
    const r1 = await h1.result();
    expect(r1).toMatchObject({ outcome: 'expired', rule: 'deleted', ruleId: active.ruleId, endsAt: active.endsAt, unstopped: [] });
    // it ended at its end, not before
    expect(Date.parse(r1.endedAt)).toBeGreaterThanOrEqual(Date.parse(active.endsAt!));
    expect(await rulesOf(slow)).toEqual([]);
    const create = (await control.requests({ product: 'channel-management', cname: slow })).find((r) => r.operation === 'createRule');
    expect(create!.body).toMatchObject({ cname: slow, uid: 4242, time_in_seconds: 10, privileges: ['join_channel'] });
    expect(await operations(slow)).toEqual(['createRule:200', 'deleteRule:200']);

    // Agora's clock at double speed: its rule is gone before the session's end; the delete's 404 is fine
    await control.setTimeScale(2);
    const fast = uniqueId('ban-end');
    const h2 = await start(tq, input(fast, { durationSeconds: 10 }));
    const r2 = await h2.result();
    expect(r2).toMatchObject({ outcome: 'expired', rule: 'already_gone', unstopped: [] });
    expect(await rulesOf(fast)).toEqual([]);
    expect(await operations(fast, [r2.ruleId!])).toEqual(['createRule:200', 'deleteRule:404']);
  });
});

test('cancellation lifts the ban: the rule is deleted in a non-cancellable scope and the user may join again', async () => {
  const channel = uniqueId('ban-cancel');
  await control.emptyChannel(APP, channel);
  await control.join(APP, channel, '4242');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    const active = await phaseOf(h, 'active');
    // join_channel kicked the user out and keeps them out
    expect((await control.users(APP, channel)).map((u) => u.uid)).not.toContain('4242');
    await expect(control.join(APP, channel, '4242')).rejects.toThrow(/403 .*BANNED_BY_SERVER/);
    await h.cancel();
    const failure = await failureOf(h);
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    expect(await h.query(banStatusQuery)).toMatchObject({ phase: 'completed', reason: 'workflow cancelled; ban lifted' });
    expect(await rulesOf(channel)).toEqual([]);
    expect(await operations(channel, [active.ruleId!])).toEqual(['createRule:200', 'deleteRule:200']);
  });
  await control.join(APP, channel, '4242');
});

test("extend by Update: the rule's time follows each new end; an end Agora cannot keep is refused; lift by Update", async () => {
  const channel = uniqueId('ban-extend');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { durationSeconds: 60, privileges: ['publish_audio', 'publish_video'] }));
    const active = await phaseOf(h, 'active');
    const [rule] = await rulesOf(channel);
    // the vendor's rule and the session end together
    expect(await apart(rule!.ts, active.endsAt!)).toBeLessThan(2_000);

    const t1 = await h.executeUpdate(banExtendUpdate, { args: [{ extendBySeconds: 600 }] });
    expect(Date.parse(t1.endsAt) - Date.parse(active.endsAt!)).toBe(600_000);
    expect(await apart((await rulesOf(channel))[0]!.ts, t1.endsAt)).toBeLessThan(2_000);

    const t2 = await h.executeUpdate(banExtendUpdate, { args: [{ endsInSeconds: 120 }] });
    expect(Date.parse(t2.endsAt)).toBeLessThan(Date.parse(t1.endsAt));
    expect(await apart((await rulesOf(channel))[0]!.ts, t2.endsAt)).toBeLessThan(2_000);

    // beyond what one rule keeps from now (86430 s), or within the 10-s floor: refused, nothing sent
    for (const change of [{ extendBySeconds: 86_430 }, { endsInSeconds: 5 }]) {
      const err = await h.executeUpdate(banExtendUpdate, { args: [change] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(/ban change refused|invalid ban change/);
    }
    const status = await h.query(banStatusQuery);
    expect(status).toMatchObject({ phase: 'active', endsAt: t2.endsAt, termApplied: true, updates: 2, ruleId: active.ruleId });

    const lifted: BanResult = await h.executeUpdate(banStopUpdate, { args: [{ reason: 'moderator lifted it' }] });
    expect(lifted).toMatchObject({
      outcome: 'lifted',
      reason: 'moderator lifted it',
      rule: 'deleted',
      updates: 2,
      endsAt: t2.endsAt,
      privileges: ['publish_audio', 'publish_video'],
    });
    expect(await rulesOf(channel)).toEqual([]);
    expect(await operations(channel, [active.ruleId!])).toEqual(['createRule:200', 'updateRule:200', 'updateRule:200', 'deleteRule:200']);
  });
});

test('a rule deleted elsewhere: the next extend fails (the session ended) and the session reports it ended', async () => {
  const channel = uniqueId('ban-gone');
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel));
    const active = await phaseOf(h, 'active');
    expect((await agoraJson(world.emu.url, 'DELETE', '/dev/v1/kicking-rule', { appid: APP, id: active.ruleId })).status).toBe(200);
    const err = await h.executeUpdate(banExtendUpdate, { args: [{ extendBySeconds: 60 }] }).catch((e: unknown) => e);
    expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(/session ended/);
    expect(await h.result()).toMatchObject({ outcome: 'ended', rule: 'already_gone', ruleId: active.ruleId });
    expect(await rulesOf(channel)).toEqual([]);
  });
});

test('an ambiguous create (its answer lost) → the rules are listed before any second create: exactly one rule, adopted and given the end', async () => {
  const channel = uniqueId('ban-ambiguous');
  const since = await logPosition();
  await control.addFault({ match: { product: 'channel-management', operation: 'createRule' }, action: { type: 'drop-response' }, count: 1 });
  await withWorker(env, config, async (tq) => {
    const h = await start(tq, input(channel, { durationSeconds: 300 }));
    const active = await phaseOf(h, 'active');
    expect(active).toMatchObject({ adopted: true });
    // the adopted rule gets the session's end
    await eventually(async () => ((await h.query(banStatusQuery)).termApplied ? true : undefined), 'the term applied to the adopted rule');
    // (read before this test lists rules itself) one create, its answer lost; a list before anything else; the end given to the rule found
    expect(await operations(channel, [active.ruleId!], since)).toEqual([expect.stringMatching(/^createRule:\d+:drop-response$/), 'listRules:200', 'updateRule:200']);
    const rules = await rulesOf(channel);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.id).toBe(active.ruleId);
    expect(await apart(rules[0]!.ts, active.endsAt!)).toBeLessThan(2_000);

    const lifted = await h.executeUpdate(banStopUpdate, { args: [{}] });
    expect(lifted).toMatchObject({ outcome: 'lifted', adopted: true, rule: 'deleted' });
    expect(await rulesOf(channel)).toEqual([]);
  });
});

test('bad input is refused before anything starts', async () => {
  const rtc = new RtcflowClient(env.client, uniqueId('tq-unused'));
  const refused = async (i: BanInput, issue: RegExp) => {
    const err = await rtc.bans.start(i).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.join('\n')).toMatch(issue);
  };
  await refused({}, /targets a channel, a uid/);
  await refused({ channel: 'x', ip: '10.0.0.1' }, /ip ban stands alone/);
  await refused({ channel: 'x', durationSeconds: 5 }, /at least 10 s/);
  await refused({ channel: 'x', privileges: ['join_channel', 'join_channel'] }, /duplicates/);
  await refused({ channel: 'x', durationSeconds: 7200, maxDurationMs: 3_600_000 }, /cannot outlast maxDurationMs/);
  await expect(rtc.bans.extend('channel-ban/x', { extendBySeconds: 10, endsInSeconds: 10 })).rejects.toThrow(InvalidInputError);
});

test('through the CLI: ban add (a repeat joins), ls lists the running ban, status, extend, lift with the result', async () => {
  const channel = uniqueId('cli-ban');
  await withWorker(env, config, async (tq) => {
    const add = ['ban', 'add', '--channel', channel, '--uid', '4242', '--privileges', 'publish_video,publish_audio', '--duration', '15m', '--json'];
    const started = json(await rtcflow(tq, ...add));
    const id = banWorkflowId({ profile: 'default', channel, uid: 4242, privileges: ['publish_audio', 'publish_video'] });
    expect(id).toBe(`channel-ban/default/${channel}/uid-4242/publish_audio+publish_video`);
    expect(started).toEqual({ id, runId: expect.any(String) });
    world.track(env.client.workflow.getHandle(id));
    expect(json(await rtcflow(tq, ...add))).toEqual(started);

    const active = await eventually(async () => {
      const s = json(await rtcflow(tq, 'ban', 'status', id, '--json'));
      return s.phase === 'active' ? s : undefined;
    }, 'phase active through `rtcflow ban status`');
    expect(active).toMatchObject({ id, target: { channel, uid: 4242 }, privileges: ['publish_video', 'publish_audio'], termApplied: true });

    const listed = await eventually(async () => {
      const { bans } = json(await rtcflow(tq, 'ban', 'ls', '--json'));
      return bans.find((b: { id: string; phase?: string }) => b.id === id && b.phase === 'active');
    }, 'the ban in `rtcflow ban ls`');
    expect(listed).toMatchObject({ id, channel, ruleId: String(active.ruleId) });

    const extended = json(await rtcflow(tq, 'ban', 'extend', id, '--by', '5m', '--json'));
    expect(Date.parse(extended.term.endsAt) - Date.parse(active.endsAt)).toBe(300_000);
    const refused = await rtcflow(tq, 'ban', 'extend', id, '--by', '5m', '--ends-in', '1h');
    expect(refused.code).toBe(2);

    const lifted = json(await rtcflow(tq, 'ban', 'lift', id, '--reason', 'apologised', '--json'));
    expect(lifted).toMatchObject({ id, outcome: 'lifted', reason: 'apologised', rule: 'deleted', ruleId: active.ruleId, updates: 1 });
    await eventually(
      async () => (json(await rtcflow(tq, 'ban', 'ls', '--json')).bans.some((b: { id: string }) => b.id === id) ? undefined : true),
      'the lifted ban gone from `ban ls`',
    );
  });
  expect(await rulesOf(channel)).toEqual([]);
});

test('through the HTTP API: POST, GET, PATCH (extend) and stop (lift) under /v1/bans; bad input answers 400 with its issues', async () => {
  const channel = uniqueId('http-ban');
  await withWorker(env, config, async (tq) => {
    await withApi(env.client, { taskQueue: tq }, async (api) => {
      const bad = await api.call('POST', '/v1/bans', { channel, ip: '10.0.0.1' });
      expect(bad.status).toBe(400);
      expect(bad.body.issues.join('\n')).toMatch(/ip ban stands alone/);

      const created = await api.call('POST', '/v1/bans', { channel, durationSeconds: 600 });
      expect(created.status).toBe(201);
      const id: string = created.body.id;
      expect(id).toBe(`channel-ban/default/${channel}/all/join_channel`);
      world.track(env.client.workflow.getHandle(id));
      const path = `/v1/bans/${encodeURIComponent(id)}`;
      const active = await eventually(async () => {
        const r = await api.call('GET', path);
        return r.body.phase === 'active' ? r.body : undefined;
      }, 'active over HTTP');

      const extended = await api.call('PATCH', path, { extendBySeconds: 60 });
      expect(extended.status).toBe(200);
      expect(Date.parse(extended.body.term.endsAt) - Date.parse(active.endsAt)).toBe(60_000);
      expect((await api.call('PATCH', path, { endsInSeconds: 86_431 })).status).toBe(400);

      const lifted = await api.call('POST', `${path}/stop`, { reason: 'over' });
      expect(lifted.body).toMatchObject({ id, outcome: 'lifted', reason: 'over', rule: 'deleted', updates: 1 });
    });
  });
  expect(await rulesOf(channel)).toEqual([]);
});
