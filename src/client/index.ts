/**
 * The app-facing typed client: what application code, the HTTP API and the CLI use to drive sessions.
 * Input is validated here, before anything reaches Temporal or a vendor.
 */
import { Client, Connection } from '@temporalio/client';
import { InvalidInputError } from '../errors';
import { connectOptions, temporalSettingsFromEnv, type TemporalConnectionSettings } from '../temporal/connection';
import { parsePublicInput } from '../schemas/parse';
import { PUBLIC_INPUT_POLICY, TEST_INPUT_POLICY, type InputPolicy } from '../schemas/policy';
import { CloudRecordingInput, type CloudRecordingResult } from '../schemas/workflows/cloud-recording';
import { recordingStatusQuery, stopSignal, stopUpdate, type CloudRecordingStatus } from '../../workflows/cloud-recording';
import { updateRecording, type RecordingChange, type RecordingControlsApplied, type RtmpOutputsChange } from './recording-controls';
import { Layout, StreamSubscribe } from '../schemas/agora/cloud-recording';
import type { cloudRecording } from '../../workflows/cloud-recording';
import { stopWithResult, type StartedSession } from './stop';
import { parseStartInput, startSession, type InputChecks } from './sessions';
import { Sessions } from './session-list';
import { Transcriptions } from './transcriptions';
import { agoraRecordingInput, isSparkRtcRecordingId, parseSparkRtcLayout, recordingVendorOf, SparkRtcRecordings, startSparkRtcRecording } from './recordings';
import type { RecordingInput, RecordingLayout, RecordingResult, RecordingStatus } from './recordings';
import { sparkRtcLayoutUpdate } from '../../workflows/sparkrtc-recording/messages';
import { Relays } from './relays';
import { Bans } from './bans';
import { Ingests } from './ingests';
import { Pulls } from './pulls';
import { ClassRecordings } from './classroom';
import { Transcoders } from './transcoders';
import { WhiteboardConversions } from './whiteboard';
import { UsageReports, type UsageOptions, type UsageReport, type UsageReportInput } from './usage';
import { clientInterceptors } from '../temporal/query-retry';

export interface RtcflowClientOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** TLS, client certificate, API key (and address, namespace): from the environment's TEMPORAL_* variables unless given (src/temporal/connection.ts) */
  connection?: TemporalConnectionSettings;
  /** defaults to the public policy; RTCFLOW_TEST_HOOKS=1 in the environment selects the test policy */
  inputPolicy?: InputPolicy;
}

/** One recorder per (profile, channel, role): the business key that makes start idempotent. */
export function recordingWorkflowId(input: { profile: string; channel: string; role: string }): string {
  return `cloud-recording/${input.profile}/${input.role}/${input.channel}`;
}

export class RtcflowClient {
  /** Real-Time STT sessions: `start`, `status`, `update`, `stop`, `requestStop` */
  readonly transcriptions: Transcriptions;
  /** Media Push relays (channel → CDN): `start`, `status`, `update` (rtmpUrl, transcoding), `stop`, `requestStop` */
  readonly relays: Relays;
  /** Timed channel bans (Agora kicking rules): `start`, `status`, `extend`/`update`, `lift`/`stop`, `list`, `requestStop` */
  readonly bans: Bans;
  /** Media Gateway ingest sessions: `start`, `status` (push address and key), `update` (mute), `stop`, `requestStop` */
  readonly ingests: Ingests;
  /** Media Pull sessions (stream URL → channel): `start`, `status`, `update` (streamUrl, pause, volume, seek), `stop`, `requestStop` */
  readonly pulls: Pulls;
  /** Flexible Classroom class recordings: `start`, `status`, `hold`, `stop`, `requestStop` (never left recording) */
  readonly classRecordings: ClassRecordings;
  /** Cloud Transcoder sessions (one channel's hosts → outputs in RTC channels): `start`, `status`, `update` (inputs, layout, encoding), `stop`, `requestStop` */
  readonly transcoders: Transcoders;
  /** Whiteboard file conversions (a document → pages): `start`, `status` (progress), `result`, `poke`, `stop` (cancel), `requestStop` */
  readonly whiteboard: WhiteboardConversions;
  /** SparkRTC-only operations on recording sessions (`updateRecordRule` of single jobs); the rest is the recording interface */
  readonly sparkrtc: SparkRtcRecordings;
  /** Every kind at once: `list` (visibility, paged), `status`, `describe` (as the Temporal UI shows it), `follow` */
  readonly sessions: Sessions;

  /**
   * `checks`: the input policy (public unless given; tests against the emulator pass TEST_INPUT_POLICY)
   * and the configured profiles (when given, a start naming an unknown profile is refused before it starts).
   */
  constructor(
    readonly temporal: Client,
    readonly taskQueue: string,
    readonly checks: InputChecks = {},
  ) {
    this.transcriptions = new Transcriptions(temporal, taskQueue, checks);
    this.relays = new Relays(temporal, taskQueue, checks);
    this.bans = new Bans(temporal, taskQueue, checks);
    this.ingests = new Ingests(temporal, taskQueue, checks);
    this.pulls = new Pulls(temporal, taskQueue, checks);
    this.classRecordings = new ClassRecordings(temporal, taskQueue, checks);
    this.transcoders = new Transcoders(temporal, taskQueue, checks);
    this.whiteboard = new WhiteboardConversions(temporal, taskQueue, checks);
    this.sparkrtc = new SparkRtcRecordings(temporal);
    this.sessions = new Sessions(temporal, taskQueue);
  }

  static async connect(opts: RtcflowClientOptions = {}): Promise<RtcflowClient> {
    const settings = opts.connection ?? temporalSettingsFromEnv(process.env);
    const connection = await Connection.connect(connectOptions({ ...settings, address: opts.address ?? settings.address }));
    const temporal = new Client({ connection, namespace: opts.namespace ?? settings.namespace, interceptors: clientInterceptors() });
    const testHooks = ['1', 'true'].includes(process.env.RTCFLOW_TEST_HOOKS ?? '');
    return new RtcflowClient(temporal, opts.taskQueue ?? process.env.RTCFLOW_TASK_QUEUE ?? 'rtcflow', {
      inputPolicy: opts.inputPolicy ?? (testHooks ? TEST_INPUT_POLICY : PUBLIC_INPUT_POLICY),
    });
  }

  /**
   * Starts a cloud recording, or returns the one already running for the same profile, channel and
   * role (so a retried request never creates a second recording). `vendor: 'sparkrtc'` starts a SparkRTC
   * single/mixed-stream job instead (./recordings.ts); absent or 'agora', Agora Cloud Recording.
   */
  async startRecording(input: RecordingInput): Promise<StartedSession> {
    if (recordingVendorOf(input) === 'sparkrtc') return startSparkRtcRecording(this.temporal, this.taskQueue, input, this.checks);
    const params = parseStartInput(CloudRecordingInput, agoraRecordingInput(input), 'cloud recording request', this.checks, (p) => [
      { kind: 'agora', name: p.profile, field: 'profile' },
      { kind: 'storage', name: p.storageProfile, field: 'storageProfile' },
    ]);
    return startSession(this.temporal, this.taskQueue, 'cloudRecording', recordingWorkflowId(params), params);
  }

  /** Either vendor's status (same query); `S` names which one the caller expects (Agora's by default). */
  async recordingStatus<S extends RecordingStatus = CloudRecordingStatus>(id: string): Promise<S> {
    return this.temporal.workflow.getHandle(id).query(recordingStatusQuery) as Promise<S>;
  }

  /**
   * Stops the session and returns its result (the file list). A session that already ended returns
   * its result too.
   */
  async stopRecording<R extends RecordingResult = CloudRecordingResult>(id: string, reason?: string): Promise<R> {
    return stopWithResult(this.temporal.workflow.getHandle<typeof cloudRecording>(id), stopUpdate, reason) as Promise<R>;
  }

  /** Fire-and-forget stop: returns once the request is recorded in the session's history. */
  async requestStop(id: string, reason?: string): Promise<void> {
    await this.temporal.workflow.getHandle(id).signal(stopSignal, { reason });
  }

  /**
   * Replaces the whole layout of a mix session (Agora; a web recording takes none: InvalidInputError) or
   * mixed job (SparkRTC, by its id); returns once the recorder has it.
   */
  async updateLayout<L extends RecordingLayout = Layout>(id: string, layout: L): Promise<L> {
    if (isSparkRtcRecordingId(id)) return this.temporal.workflow.getHandle(id).executeUpdate(sparkRtcLayoutUpdate, { args: [parseSparkRtcLayout(layout)] }) as Promise<L>;
    const parsed = parsePublicInput(Layout, layout, 'layout', PUBLIC_INPUT_POLICY, '(layout)');
    return (await this.updateRecording(id, { layout: parsed })).layout as L;
  }

  /** Replaces subscription lists of an individual/mix session (each list given replaces that list); returns all of them once applied. */
  async updateSubscriptions(id: string, subscriptions: StreamSubscribe): Promise<StreamSubscribe> {
    const parsed = parsePublicInput(StreamSubscribe, subscriptions, 'subscriptions', PUBLIC_INPUT_POLICY, '(subscriptions)');
    return (await this.updateRecording(id, { subscriptions: parsed })).subscriptions!;
  }

  /**
   * Any mid-session controls of an Agora recording at once (layout, subscriptions, onhold, rtmpOutputs),
   * validated against the schema and the session's mode before anything is sent (./recording-controls.ts);
   * returns each control's whole applied value.
   */
  async updateRecording(id: string, change: RecordingChange): Promise<RecordingControlsApplied> {
    if (isSparkRtcRecordingId(id))
      throw new InvalidInputError('invalid recording change', ['(change): a SparkRTC recording takes layouts (updateLayout) and record rules (rtc.sparkrtc)']);
    return updateRecording(this.temporal, id, change);
  }

  /** Pauses a web recording (webRecordingConfig.onhold); returns once the recorder holds. */
  async pauseRecording(id: string): Promise<void> {
    await this.updateRecording(id, { onhold: true });
  }

  /** Resumes a paused web recording; returns once the recorder records again. */
  async resumeRecording(id: string): Promise<void> {
    await this.updateRecording(id, { onhold: false });
  }

  /** Changes the CDN push of a web recording ({outputs} or {add, remove}); returns every address it now pushes to. */
  async updateRtmpOutputs(id: string, change: RtmpOutputsChange): Promise<string[]> {
    return (await this.updateRecording(id, { rtmpOutputs: change })).rtmpOutputs!;
  }

  /**
   * The sessions' own cost ledgers summed per UTC day × product × usage column for [from, to], beside the
   * Console usage of the profile's project for the same days, with the difference and a flag beyond the
   * tolerance (./usage.ts). `opts.config`/`opts.admin` give the Console credentials (default: the environment's).
   */
  async usage(input: UsageReportInput, opts: UsageOptions = {}): Promise<UsageReport> {
    return new UsageReports(this.temporal, this.taskQueue).report(input, opts);
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }
}

export type { CloudRecordingInput, CloudRecordingResult, CloudRecordingStatus, StartedSession };
export type { RecordingChange, RecordingControlsApplied, RtmpOutputsChange } from './recording-controls';
export { InvalidInputError, Transcriptions };
export { transcriptionWorkflowId } from './transcriptions';
export type { SttChange, SttConfig, SttInput, SttResult, SttStatus } from './transcriptions';
export { Relays, relayWorkflowId } from './relays';
export type { RelayChange, RelayConfig, RelayInput, RelayResult, RelayStatus } from './relays';
export { Bans, banWorkflowId } from './bans';
export type { BanChange, BanInput, BanListing, BanResult, BanStatus, BanTerm } from './bans';
export { Ingests, ingestWorkflowId } from './ingests';
export type { IngestChange, IngestInput, IngestResult, IngestStatus, MuteState } from './ingests';
export { Pulls, pullWorkflowId } from './pulls';
export { ClassRecordings, classRecordingWorkflowId, Classroom } from './classroom';
export { Signaling } from './signaling';
export { Transcoders, TranscoderTemplates, transcoderWorkflowId } from './transcoders';
export type { TranscoderChange, TranscoderInput, TranscoderLayout, TranscoderResult, TranscoderStatus } from './transcoders';
export type { PullChange, PullInput, PullPlayback, PullResult, PullStatus } from './pulls';
export { WhiteboardConversions, WhiteboardRooms, whiteboardWorkflowId } from './whiteboard';
export type { ConvertedPage, WhiteboardConversionInput, WhiteboardConversionResult, WhiteboardStatus } from './whiteboard';
export { isSparkRtcRecordingId, parseSparkRtcRecordingInput, SparkRtcRecordings, sparkrtcRecordingWorkflowId } from './recordings';
export type { RecordingInput, RecordingLayout, RecordingResult, RecordingStatus } from './recordings';
export { SparkRtcAdmin, generateCallbackAuthKey } from './sparkrtc-admin';
export { AgoraAdmin, redactProject } from './agora-admin';
export { SparkRtcStats } from './sparkrtc-stats';
export { UsageReports, UsageReportInput, MAX_USAGE_DAYS } from './usage';
export type { UsageOptions, UsageReport, UsageRow, UnaccountedSession } from './usage';
export type { UsageDay, UsageInput } from '../agora/console';
export { Sessions, sessionMetadata } from './session-list';
export type { SessionDescription, SessionListing, SessionListQuery, SessionPage, SessionProgress } from './session-list';
export type { SparkRtcLayout, SparkRtcRecordingInput, SparkRtcRecordingResult } from '../schemas/workflows/sparkrtc-recording';
export type { SparkRtcRecordingStatus } from '../../workflows/sparkrtc-recording/messages';
export { EVENT_HEADERS, RTCFLOW_EVENT_TYPES, RtcflowEventVerificationError, signRtcflowEvent, verifyRtcflowEvent } from './events';
export type { EventHeaders, RtcflowEvent, RtcflowEventType, VerifyOptions } from './events';
