/**
 * What the SparkRTC recording session reads into SparkRTC's answers and callbacks
 * (src/sparkrtc/meanings.ts), the input rules of its schema, its workflow IDs and the receiver's
 * visibility-query quoting.
 */
import { visibilityLiteral } from '../../src/api/routing';
import { parseSparkRtcRecordingInput, recordingVendorOf, sparkrtcRecordingWorkflowId } from '../../src/client/recordings';
import { InvalidInputError } from '../../src/errors';
import type { VendorErrorInfo } from '../../src/http/errors';
import {
  callbackKind,
  isJobDone,
  isJobGone,
  isJobRunningConflict,
  isNotInitialised,
  isRetryableAnswer,
  jobOfStream,
  jobVerdict,
  meansStopped,
  stopReasonText,
} from '../../src/sparkrtc/meanings';

const err = (httpStatus: number | undefined, code?: string, vendor: 'sparkrtc' | 'agora' = 'sparkrtc'): VendorErrorInfo => ({
  vendor,
  product: 'mix-stream-jobs',
  operation: 'stop',
  httpStatus,
  code,
  reason: 'x',
  retryable: false,
  ambiguous: false,
});
const JOB = '607f9fc100d861eeefff9b300b388dab';

test('on a stop, JobDone and JobNotExist (and the 404 example code) mean stopped; an unknown app or route does not', () => {
  expect(meansStopped(err(400, 'RTC.00001009'))).toBe(true);
  expect(meansStopped(err(404, 'RTC.00001008'))).toBe(true);
  expect(meansStopped(err(404, 'RTC.00001003'))).toBe(true);
  expect(meansStopped(err(404, 'RTC.00001015'))).toBe(false);
  expect(meansStopped(err(404, 'APIG.0101'))).toBe(false);
  expect(meansStopped(err(404, undefined, 'agora'))).toBe(false);
  expect(isJobGone(err(404, 'RTC.00001008'))).toBe(true);
  expect(isJobDone(err(400, 'RTC.00001009'))).toBe(true);
});

test('JobRunning on a start is a conflict to reconcile; RTC.00001022 is "later"; §17.3 says what is retryable', () => {
  expect(isJobRunningConflict(err(400, 'RTC.00001006'))).toBe(true);
  expect(isJobRunningConflict(err(400, 'RTC.00001007'))).toBe(false);
  expect(isNotInitialised(err(400, 'RTC.00001022'))).toBe(true);
  for (const code of ['RTC.00001022', 'RTC.00002001', 'RTC.00002006', 'RTC.00001007', 'RTC.00001018', 'APIG.0308']) expect(isRetryableAnswer(err(400, code))).toBe(true);
  for (const code of ['RTC.00001003', 'RTC.00001009', 'RTC.00001016', 'RTC.00001021']) expect(isRetryableAnswer(err(400, code))).toBe(false);
  expect(isRetryableAnswer(err(503))).toBe(true);
  expect(isRetryableAnswer(err(undefined))).toBe(true);
  expect(isRetryableAnswer(err(403))).toBe(false);
});

test('job states, stop reasons and callback event names (both end-of-job spellings, the seed typo)', () => {
  expect(['INIT', 'RUNNING', 'STOPPED', 'PAUSED', undefined].map(jobVerdict)).toEqual(['starting', 'running', 'stopped', 'unknown', 'unknown']);
  expect(stopReasonText('EXCEED_MAX_IDLE_TIME')).toBe('EXCEED_MAX_IDLE_TIME: nobody published for longer than max_idle_time');
  expect(stopReasonText('INTERNAL_ERROR', 'the recorder crashed')).toBe('INTERNAL_ERROR: the recorder crashed');
  expect(
    ['RECORD_NEW_FILE_START', 'RECORD_NEW_FILE_STAR', 'RECORD_FILE_COMPLETE', 'CLOUD_RECORD_SERVER_OVER', 'CLOUD_RECORD_OVER', 'RTC_AUDIO_STREAM_OPEN'].map(callbackKind),
  ).toEqual(['file-start', 'file-start', 'file-complete', 'job-over', 'job-over', 'other']);
});

test('a stream name is a job of a session key only for its kind, room and user; auto-record streams never are', () => {
  expect(jobOfStream(`m_${JOB}_room_1`, { kind: 'mix', room: 'room_1' })).toBe(JOB);
  expect(jobOfStream(`m_${JOB}_room_1`, { kind: 'mix', room: 'room' })).toBeUndefined();
  expect(jobOfStream(`s_${JOB}_room_1_user_a`, { kind: 'single', room: 'room_1', userId: 'user_a' })).toBe(JOB);
  expect(jobOfStream(`s_${JOB}_room_1_user_a`, { kind: 'single', room: 'room_1', userId: 'user' })).toBeUndefined();
  expect(jobOfStream(`s_${JOB}_room_1_user_a`, { kind: 'mix', room: 'room_1' })).toBeUndefined();
  expect(jobOfStream('5ff9701f2346968bb306cb43_room_1_u1_av_m', { kind: 'single', room: 'room_1', userId: 'u1' })).toBeUndefined();
  expect(jobOfStream(undefined, { kind: 'mix', room: 'r' })).toBeUndefined();
});

test('the request: vendor-discriminated, kind-specific options checked, layouts checked before sending', () => {
  expect(recordingVendorOf({ channel: 'x' })).toBe('agora');
  expect(recordingVendorOf({ vendor: 'sparkrtc' })).toBe('sparkrtc');
  expect(() => recordingVendorOf({ vendor: 'huawei' })).toThrow(InvalidInputError);
  const base = { vendor: 'sparkrtc' as const, channel: 'r1', recordRuleId: 'rule' };
  const mix = parseSparkRtcRecordingInput({ ...base, kind: 'mix', encodeTemplate: '1280x720_15_2260', layout: { layout_template: 'nine_grids_view' } });
  expect(mix).toMatchObject({ profile: 'default', role: 'main', maxIdleTime: 30, pollIntervalMs: 30_000, drainTimeoutMs: 900_000 });
  expect(sparkrtcRecordingWorkflowId(mix)).toBe('sparkrtc-recording/default/main/r1/mix');
  expect(sparkrtcRecordingWorkflowId(parseSparkRtcRecordingInput({ ...base, kind: 'single', userId: 'u1', videoType: '' }))).toBe(
    'sparkrtc-recording/default/main/r1/single/u1/audio',
  );
  const issues = (input: unknown) => {
    try {
      parseSparkRtcRecordingInput(input);
      return [];
    } catch (e) {
      return (e as InvalidInputError).issues;
    }
  };
  expect(issues({ ...base, kind: 'single', userId: 'u1', encodeTemplate: 'audio_only' })).toEqual(['encodeTemplate: encodeTemplate applies to mixed-stream recordings']);
  expect(issues({ ...base, kind: 'mix', encodeTemplate: '1280*720_15_2260' })).toEqual(['layout: a video mix needs a layout (e.g. {"layout_template":"nine_grids_view"})']);
  expect(issues({ ...base, kind: 'mix', encodeTemplate: 'audio_only', layout: { layout_template: 'nine_grids_view' } })).toEqual(['layout: an audio_only mix has no layout']);
  expect(issues({ ...base, kind: 'mix', encodeTemplate: 'audio_only', maxIdleTime: 4 })).toEqual(['maxIdleTime: max_idle_time is 5..43200']);
  expect(issues({ ...base, kind: 'mix', encodeTemplate: '1280*720_15_2260', layout: { layout_template: 'screen_share_left', layout_panes: [{ id: 2, user_id: 'u1' }] } })).toEqual([
    'layout.layout_panes: the main window must be the pane with id 1',
  ]);
  expect(
    issues({
      ...base,
      kind: 'mix',
      encodeTemplate: '1280*720_15_2260',
      layout: { layout_template: 'custom', layout_panes: [{ id: 1, user_id: 'u1', x: 0.5, y: 0, width: 0.6, height: 1 }] },
    }),
  ).toEqual(['layout.layout_panes.0: pane extends beyond the canvas (x + width > 1)']);
  expect(issues({ ...base, kind: 'single', userId: 'u/1', sk: 'secret' })).toEqual(expect.arrayContaining(['userId: userId must not contain "/" or blanks']));
  expect(issues({ ...base, kind: 'single', userId: 'u1', sk: 'secret' })[0]).toMatch(/Unrecognized key/);
});

test('values in a visibility query are quoted; what could change the query is not routed at all', () => {
  expect(visibilityLiteral('room 1')).toBe('"room 1"');
  expect(visibilityLiteral('a"b\\c')).toBeUndefined();
  expect(visibilityLiteral('" OR RtcVendor = "agora')).toBeUndefined();
  expect(visibilityLiteral("x' OR 1=1")).toBeUndefined();
  expect(visibilityLiteral('line\nbreak')).toBeUndefined();
  expect(visibilityLiteral('')).toBeUndefined();
  expect(visibilityLiteral('r'.repeat(129))).toBeUndefined();
});
