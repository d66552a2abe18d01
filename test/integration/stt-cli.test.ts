/**
 * A Real-Time STT session driven entirely through the `rtcflow stt` command (child processes, as a user
 * runs it) against the real dev server and the shared emulator, for 7.x and 6.x. Every test ends with
 * nothing running in the emulator for its channel.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { transcriptionWorkflowId } from '../../src/client';
import { sharedEnvironment, testConfig, withWorker } from '../helpers/temporal';
import { eventually, uniqueId } from '../helpers/wait';
import { json, rtcflow } from '../helpers/cli';

const shared = sharedEnvironment();
const control = shared.control;
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = shared.env;
});

describe.each(['7', '6'] as const)('STT %s.x through the CLI', (version) => {
  const product = version === '7' ? 'stt7' : 'stt6';
  const [startOp, stopOp] = version === '7' ? ['join', 'leave'] : ['start', 'stop'];

  test('start, status until running, update, stop', async () => {
    const channel = uniqueId(`cli-stt${version}`);
    await withWorker(env, testConfig(), async (tq) => {
      const started = json(await rtcflow(tq, 'stt', 'start', '--channel', channel, '--language', 'en-US', '--version', version, '--poll-interval', '1s', '--json'));
      expect(started).toEqual({ id: transcriptionWorkflowId({ profile: 'default', role: 'main', channel }), runId: expect.any(String) });

      const running = await eventually(async () => {
        const s = json(await rtcflow(tq, 'stt', 'status', started.id, '--json'));
        return s.phase === 'running' ? s : undefined;
      }, 'phase running through `rtcflow stt status`');
      expect(running).toMatchObject({ id: started.id, channel, version, configApplied: true, config: { languages: ['en-US'], subscribeAudioUids: ['all'], translation: [] } });
      expect(running.agentId).toEqual(expect.any(String));

      const updated = json(await rtcflow(tq, 'stt', 'update', started.id, '--language', 'en-US', '--language', 'ja-JP', '--json'));
      expect(updated).toEqual({ id: started.id, config: { languages: ['en-US', 'ja-JP'], subscribeAudioUids: ['all'], translation: [] } });

      const stopped = json(await rtcflow(tq, 'stt', 'stop', started.id, '--reason', 'cli test over', '--json'));
      expect(stopped).toMatchObject({ id: started.id, channel, version, outcome: 'stopped', reason: 'cli test over', updates: 1, languages: ['en-US', 'ja-JP'], unstopped: [] });
      expect(stopped.agents).toHaveLength(1);
      expect(stopped.agents[0].id).toBe(running.agentId);
    });
    const ops = (await control.requests({ cname: channel, product })).map((r) => `${r.operation}:${r.status}`);
    expect(ops.filter((o) => o.startsWith(`${startOp}:`))).toEqual([`${startOp}:200`]);
    expect(ops.filter((o) => o.startsWith('update:'))).toEqual(['update:200']);
    expect(ops.filter((o) => o.startsWith(`${stopOp}:`))).toEqual([`${stopOp}:200`]);
    expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
  });
});

test('a bad invocation exits non-zero with the issue and sends nothing; an unknown id says so', async () => {
  const channel = uniqueId('cli-stt-bad');
  const tq = uniqueId('tq-nobody');
  const bad = await rtcflow(tq, 'stt', 'start', '--channel', channel, '--language', 'xx_YY', '--json');
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/invalid STT request: languages\.0: language must be a code such as en-US/);

  const unknown = await rtcflow(tq, 'stt', 'status', transcriptionWorkflowId({ profile: 'default', role: 'main', channel }), '--json');
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toMatch(/no such session: stt\/default\/main\//);

  expect(await env.client.workflow.count(`WorkflowId = "${transcriptionWorkflowId({ profile: 'default', role: 'main', channel })}"`)).toMatchObject({ count: 0 });
  expect(await control.requests({ cname: channel })).toEqual([]);
  expect(await control.tasks({ cname: channel, running: true })).toEqual([]);
});
