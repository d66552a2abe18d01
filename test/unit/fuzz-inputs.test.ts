/**
 * Property-based fuzzing of every public input: start inputs and mid-session changes of every session
 * kind, under the public policy. Whatever a caller sends, the answer is the input (validated) or an
 * InvalidInputError with issues — never another error (a TypeError, a stack overflow), and an accepted
 * input never carries a credential-like field or an unsafe URL onward.
 */
import { fc, test } from '@fast-check/jest';
import { InvalidInputError } from '../../src/errors';
import { BAN_SESSIONS } from '../../src/client/bans';
import { INGEST_SESSIONS } from '../../src/client/ingests';
import { PULL_SESSIONS } from '../../src/client/pulls';
import { RELAY_SESSIONS } from '../../src/client/relays';
import { parseRecordingChange } from '../../src/client/recording-controls';
import { parseSparkRtcRecordingInput } from '../../src/client/recordings';
import { parseSessionChange, parseSessionInput, parseStartInput } from '../../src/client/sessions';
import { TRANSCODER_SESSIONS } from '../../src/client/transcoders';
import { STT_SESSIONS } from '../../src/client/transcriptions';
import { findCredentials, findUnsafeUrls } from '../../src/schemas/hygiene';
import { CloudRecordingInput } from '../../src/schemas/workflows/cloud-recording';

const KINDS = [STT_SESSIONS, RELAY_SESSIONS, INGEST_SESSIONS, PULL_SESSIONS, TRANSCODER_SESSIONS, BAN_SESSIONS] as const;

const START: Record<string, (input: unknown) => unknown> = {
  cloudRecording: (i) => parseStartInput(CloudRecordingInput, i, 'cloud recording request', {}, () => []),
  sparkrtcRecording: (i) => parseSparkRtcRecordingInput(i),
  ...Object.fromEntries(KINDS.map((k) => [k.workflowType, (i: unknown) => parseSessionInput(k as never, i as never)])),
};

const CHANGE: Record<string, (change: unknown) => unknown> = {
  recording: (c) => parseRecordingChange(c),
  ...Object.fromEntries(KINDS.map((k) => [k.workflowType, (c: unknown) => parseSessionChange(k as never, c as never)])),
};

/** Inputs close to valid ones, so the fuzzer reaches past the first missing field. */
const SEEDS: Record<string, Record<string, unknown>> = {
  cloudRecording: { channel: 'fuzz', mode: 'mix', clientRequest: { recordingConfig: { transcodingConfig: { width: 640, height: 360 } } } },
  sparkrtcRecording: {
    vendor: 'sparkrtc',
    kind: 'mix',
    channel: 'fuzz',
    recordRuleId: 'rule-1',
    encodeTemplate: '1280*720_15_2260',
    layout: { layout_template: 'nine_grids_view' },
  },
  stt: { channel: 'fuzz', languages: ['en-US'] },
  relay: { channel: 'fuzz', region: 'na', rtmpUrl: 'rtmp://cdn.example.com/live/key', raw: { rtcStreamUid: 7 } },
  ingest: { channel: 'fuzz', uid: '42' },
  pull: { channel: 'fuzz', region: 'na', streamUrl: 'https://cdn.example.com/v.mp4' },
  transcoder: { channel: 'fuzz', audioInputs: [{ rtcUid: 1 }], outputs: [{ rtcChannel: 'fuzz-out' }] },
  channelBan: { channel: 'fuzz', uid: 42, durationSeconds: 600 },
};

/** A key or value an attacker would try. */
const nasty = fc.oneof(
  fc.constantFrom('state', 'SecretKey', 'sts_token', 'ACCESS_KEY', 'token', 'storageConfig', 'maxHistoryEvents', '__proto__', 'constructor', 'url', 'backgroundImage', 'rtmpUrl'),
  fc.string({ maxLength: 12 }),
);
const nastyValue = fc.oneof(
  fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'https://x.example/?token=1', 'data:text/html,x', '" OR 1=1', '\u0000', 'x'.repeat(5_000)),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer(),
  fc.double(),
);

/** A seed with up to four nasty keys set at random (nested) places. */
function perturbed(seed: Record<string, unknown>) {
  return fc.array(fc.tuple(fc.array(nasty, { minLength: 1, maxLength: 3 }), nastyValue), { maxLength: 4 }).map((edits) => {
    const v = structuredClone(seed) as Record<string, unknown>;
    for (const [path, value] of edits) {
      let o: Record<string, unknown> = v;
      for (const k of path.slice(0, -1)) {
        const own = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
        if (!own || typeof own !== 'object' || Array.isArray(own)) Object.defineProperty(o, k, { value: {}, enumerable: true, writable: true, configurable: true });
        o = o[k] as Record<string, unknown>;
      }
      Object.defineProperty(o, path[path.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
    }
    return v;
  });
}

/** Either the parsed value or an InvalidInputError with issues; anything else fails the property. */
function verdict(fn: () => unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.length).toBeGreaterThan(0);
    return { ok: false };
  }
}

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.anything({ maxDepth: 4 }));

describe.each(Object.keys(START))('start input of %s', (kind) => {
  test.prop([anyJson], { numRuns: 150 })('any value → the input or a typed rejection', (value) => {
    verdict(() => START[kind]!(value));
  });

  test.prop([perturbed(SEEDS[kind]!)], { numRuns: 250 })('a near-valid input with nasty keys → accepted only without credentials, unsafe URLs or test hooks', (value) => {
    const v = verdict(() => START[kind]!(value));
    if (v.ok) {
      expect(findCredentials(v.value)).toEqual([]);
      expect(findUnsafeUrls(v.value)).toEqual([]);
      expect((v.value as Record<string, unknown>).maxHistoryEvents).toBeUndefined();
      expect(Object.keys(v.value as object)).not.toContain('state');
    }
  });
});

describe.each(Object.keys(CHANGE))('mid-session change of %s', (kind) => {
  test.prop([anyJson], { numRuns: 200 })('any value → the change or a typed rejection', (value) => {
    const v = verdict(() => CHANGE[kind]!(value));
    if (v.ok) expect(findCredentials(v.value)).toEqual([]);
  });
});

test('the seeds are valid (the near-valid fuzzing starts from accepted inputs)', () => {
  for (const [kind, seed] of Object.entries(SEEDS)) {
    let issues: string[] = [];
    try {
      START[kind]!(seed);
    } catch (err) {
      issues = (err as InvalidInputError).issues ?? [String(err)];
    }
    expect({ kind, issues }).toEqual({ kind, issues: [] });
  }
});

test.prop([fc.integer({ min: 1, max: 200_000 })], { numRuns: 20 })('deeply nested input → a typed rejection, never a stack overflow', (depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  verdict(() => START.cloudRecording!({ channel: 'deep', clientRequest: { appsCollection: v } }));
});
