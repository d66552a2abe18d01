/**
 * Flexible Classroom class recording as a session (agora.md §12): the classroom's web recording set to
 * started, followed through the records list, and set to stopped on stop, at its deadline, on
 * cancellation and on any failure (never left recording):
 *
 *   starting → recording ⇄ (hold: onhold true/false) → stopping → completed
 *      ╰──────────┴──────────────────────────────────────────────→ failed
 *
 * - Starting: `PUT …/records/states/1` with the web-recording config and retryTimeout. The call is
 *   idempotent (a second start updates the running recording), so it is retried as a plain call; the
 *   records list must then show a running recording within confirmTimeoutMs.
 * - Recording: the records list every pollIntervalMs is the source of truth; a recording that ended on
 *   its own (the class closed) ends the session (`ended`) after one more stop to make sure.
 * - Never leak: `PUT …/records/states/0` (harmless when none runs) from the kernel's teardown, through
 *   the cleanup kind of the one retry table.
 *
 * Tokens are minted in the activities from the profile; this file holds names and ids only.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { Alarm } from '../lib/loop';
import type { ClassroomActivities } from '../../activities/classroom';
import { activitiesOf } from '../lib/retry';
import { trackPhase } from '../lib/phase';
import { SA, stageSearchAttributes, writeSearchAttributes } from '../lib/search-attributes';
import { SessionFrame } from '../lib/session';
import { Teardown } from '../lib/teardown';
import type { ClassRecordingInput, ClassRecordingOutcome, ClassRecordingParams, ClassRecordingResult } from './input';
import { classRecordingHoldSignal, classRecordingStatusQuery, classRecordingStopSignal, classRecordingStopUpdate, type ClassRecordingPhase } from './messages';

const calls = activitiesOf<ClassroomActivities>('call');
const cleanups = activitiesOf<ClassroomActivities>('cleanup');

interface State {
  stopReason?: string;
  startSent: boolean;
  recordId?: string;
  startedAt?: string;
  onhold: boolean;
  onholdApplied: boolean;
  lastQueryAt?: string;
  records: ClassRecordingResult['records'];
  unstopped: Array<{ id: string; error: string }>;
  deadline: number;
}

/**
 * The input as the client parsed it (ClassRecordingInput in ./input.ts, defaults filled in), checked again
 * here without zod: workflow code takes no schema library (src/workflow-schemas.ts explains why).
 */
function checkedInput(raw: unknown): ClassRecordingParams {
  const i = (raw ?? {}) as Record<string, unknown>;
  const issues: string[] = [];
  const id = (k: string) => (typeof i[k] === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(i[k]) ? undefined : issues.push(`${k}: 1-64 of A-Z a-z 0-9 _ -`));
  const int = (k: string, min: number) => (typeof i[k] === 'number' && Number.isInteger(i[k]) && i[k] >= min ? undefined : issues.push(`${k}: an integer ≥ ${min}`));
  if (typeof i.profile !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(i.profile)) issues.push('profile: a profile name');
  if (!['cn', 'ap', 'na', 'eu'].includes(i.region as string)) issues.push('region: cn, ap, na or eu');
  id('roomUuid');
  id('uid');
  const web = i.webRecordConfig as Record<string, unknown> | undefined;
  if (!web || typeof web.url !== 'string' || !/^https?:\/\//i.test(web.url)) issues.push('webRecordConfig.url: an http(s) URL');
  int('retryTimeout', 0);
  int('pollIntervalMs', 1);
  int('confirmTimeoutMs', 1);
  int('confirmPollMs', 1);
  int('maxDurationMs', 1);
  if (issues.length)
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: `invalid class recording input (start it through the client, which fills in the defaults): ${issues.join('; ')}`,
      nonRetryable: true,
    });
  return i as unknown as ClassRecordingParams;
}

/** Started by the client with the parsed input (ClassRecordingParams); ClassRecordingInput is what callers pass the client. */
export async function classroomRecording(rawInput: ClassRecordingInput | ClassRecordingParams): Promise<ClassRecordingResult> {
  const input = checkedInput(rawInput);
  const ref = { profile: input.profile, region: input.region, roomUuid: input.roomUuid, uid: input.uid };
  const s: State = {
    startSent: false,
    onhold: input.webRecordConfig.onhold ?? false,
    onholdApplied: true,
    records: [],
    unstopped: [],
    deadline: Date.now() + input.maxDurationMs,
  };
  stageSearchAttributes([
    { key: SA.vendor, value: 'agora' },
    { key: SA.product, value: 'classroom-recording' },
    { key: SA.channel, value: input.roomUuid },
  ]);
  const phase = trackPhase<ClassRecordingPhase>('starting');
  const frame = new SessionFrame<ClassRecordingResult>(s);
  const deadline = new Alarm();
  const confirmed = new Alarm();
  frame.registerStop(classRecordingStopSignal, classRecordingStopUpdate, 'Set the recording state to stopped and return the result.');
  setHandler(classRecordingHoldSignal, (raw) => {
    const onhold = (raw as { onhold?: unknown } | undefined)?.onhold;
    if (typeof onhold !== 'boolean' || frame.terminal || frame.stopRequested) return;
    if (onhold !== s.onhold) {
      s.onhold = onhold;
      s.onholdApplied = false;
    }
  });
  setHandler(classRecordingStatusQuery, () => ({
    // a class recording never continues as new (it ends within the room's lifetime)
    ...frame.statusBase(phase, { deadline: s.deadline, continuedAsNew: 0 }),
    region: input.region,
    roomUuid: input.roomUuid,
    recordId: s.recordId,
    onhold: s.onhold,
    onholdApplied: s.onholdApplied,
    lastQueryAt: s.lastQueryAt,
  }));

  const teardown = new Teardown<ClassRecordingOutcome, ClassRecordingResult>({
    phase,
    channel: input.roomUuid,
    words: { what: 'class recording', short: 'recording', doing: 'recording', stop: 'stop', stopped: 'stopped' },
    // once a start was sent the room may be recording: stopping is harmless when it is not
    held: () => (s.startSent ? input.roomUuid : undefined),
    stop: async () => {
      await cleanups.setClassRecordingState({ ...ref, state: 0 });
      s.records = await calls.listClassRecordings(ref).catch(() => s.records);
    },
    release: () => undefined,
    unstopped: { add: (id, error) => s.unstopped.push({ id, error }), list: () => s.unstopped },
    startedAt: () => s.startedAt,
    result: (end) => ({ ...end, region: input.region, roomUuid: input.roomUuid, recordId: s.recordId, records: s.records, unstopped: s.unstopped }),
  });

  const running = async (): Promise<boolean> => {
    s.records = await calls.listClassRecordings(ref);
    s.lastQueryAt = new Date().toISOString();
    const mine = s.records.find((r) => r.status === 1 && (s.recordId === undefined || r.recordId === s.recordId));
    if (mine?.recordId) s.recordId = mine.recordId;
    return mine !== undefined;
  };

  return frame.run(async () => {
    // ---- starting ----
    s.startSent = true;
    const started = await calls.setClassRecordingState({
      ...ref,
      state: 1,
      config: { mode: 'web', webRecordConfig: { ...input.webRecordConfig, onhold: s.onhold }, retryTimeout: input.retryTimeout },
    });
    if (started.recordId) s.recordId = started.recordId;
    s.startedAt = new Date().toISOString();
    const confirmBy = Date.now() + input.confirmTimeoutMs;
    while (!(await running())) {
      if (s.stopReason !== undefined) return teardown.stopAndFinish(s.stopReason);
      if (confirmed.due(confirmBy)) {
        await teardown.quietly('the records list never showed the recording');
        throw ApplicationFailure.create({
          type: 'StartNotConfirmed',
          message: `the recording of room ${input.roomUuid} did not show up within ${input.confirmTimeoutMs} ms`,
          nonRetryable: true,
        });
      }
      await condition(() => s.stopReason !== undefined || confirmed.rang, input.confirmPollMs);
    }
    if (s.recordId) writeSearchAttributes([{ key: SA.sid, value: s.recordId }]);
    phase.set('recording');

    // ---- recording ----
    for (;;) {
      if (s.stopReason !== undefined) return teardown.stopAndFinish(s.stopReason);
      if (deadline.due(s.deadline)) return teardown.stopAndFinish(`maxDurationMs reached (${input.maxDurationMs} ms)`, 'timeout');
      if (!s.onholdApplied) {
        const want = s.onhold;
        await calls.setClassRecordingState({ ...ref, state: 1, config: { webRecordConfig: { onhold: want } } });
        if (s.onhold === want) s.onholdApplied = true;
        continue;
      }
      if (!(await running())) return teardown.ended('the recording ended on its own (no running recording in the records list)', 'ended');
      const wake = Math.min(input.pollIntervalMs, Math.max(0, deadline.wakeAt(s.deadline) - Date.now()));
      await condition(() => s.stopReason !== undefined || !s.onholdApplied || deadline.rang, wake);
    }
  }, teardown.hooks);
}
