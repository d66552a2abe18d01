/**
 * Flexible Classroom from an application or the CLI (agora.md §12): rooms, states, class recording,
 * kick, properties, the room event feed, with the profile's credentials from this process's configuration,
 * straight to Agora (one call each). Every call carries a Signaling token minted for `uid` from the
 * profile's App Certificate. A class recording that must never be left running is a workflow instead
 * (RtcflowClient: classRecordings).
 */
import { resolveAgoraProfile, type Config } from '../config';
import type { AgoraContext } from '../agora/http';
import { HttpClient } from '../http/client';
import * as fc from '../agora/classroom';
import type { Client as TemporalClient } from '@temporalio/client';
import { ClassRecordingInput } from '../schemas/agora/classroom';
import type { ClassRecordingResult } from '../../workflows/classroom-recording/input';
import {
  classRecordingHoldSignal,
  classRecordingStatusQuery,
  classRecordingStopSignal,
  classRecordingStopUpdate,
  type ClassRecordingStatus,
} from '../../workflows/classroom-recording/messages';
import { SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

export interface ClassroomOptions {
  profile?: string;
  /** the uid the Signaling token is minted for (default 'rtcflow') */
  uid?: string;
  http?: HttpClient;
}

export class Classroom {
  readonly ctx: AgoraContext;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;

  constructor(config: Config, opts: ClassroomOptions = {}) {
    const p = resolveAgoraProfile(config, opts.profile ?? 'default');
    this.ownsHttp = !opts.http;
    this.http = opts.http ?? new HttpClient();
    const base: AgoraContext = { http: this.http, baseUrls: p.baseUrls, appId: p.appId, credentials: { customerId: p.customerId, customerSecret: p.customerSecret } };
    this.ctx = fc.classroomContext(base, { uid: opts.uid ?? 'rtcflow', appCertificate: p.appCertificate });
  }

  createRoom = (input: fc.CreateRoomInput) => fc.createRoom(this.ctx, input);
  setRoomState = (input: fc.RoomRef & { state: 0 | 1 | 2 }) => fc.setRoomState(this.ctx, input);
  setRecordingState = (input: fc.RecordingStateInput) => fc.setRecordingState(this.ctx, input);
  listRecordings = (input: fc.RoomRef) => fc.listAllRecordings(this.ctx, input);
  kickUser = (input: fc.RoomRef & { userUuid: string; dirty?: { state: number; duration: number } }) => fc.kickUser(this.ctx, input);
  setProperties = (input: Parameters<typeof fc.setProperties>[1]) => fc.setProperties(this.ctx, input);
  deleteProperties = (input: Parameters<typeof fc.deleteProperties>[1]) => fc.deleteProperties(this.ctx, input);
  roomEvents = (input: Parameters<typeof fc.getRoomSequences>[1]) => fc.getRoomSequences(this.ctx, input);
  widgetData = (input: Parameters<typeof fc.getWidgetSequences>[1]) => fc.getWidgetSequences(this.ctx, input);

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}

/** One class recording per (profile, region, room): the business key that makes start idempotent. */
export function classRecordingWorkflowId(input: { profile: string; region: string; roomUuid: string }): string {
  return `classroom-recording/${input.profile}/${input.region}/${input.roomUuid}`;
}

export const CLASS_RECORDING_SESSIONS: SessionKindSpec<typeof ClassRecordingInput, ClassRecordingStatus, ClassRecordingResult> = {
  workflowType: 'classroomRecording',
  what: 'class recording request',
  input: ClassRecordingInput,
  idOf: classRecordingWorkflowId,
  status: classRecordingStatusQuery,
  stop: classRecordingStopUpdate,
  stopSignal: classRecordingStopSignal,
};

/**
 * Class recordings as durable sessions (`rtc.classRecordings`): `start` sets the room's recording state
 * to started and follows it, `hold`/`resume` pause it, `stop` sets it to stopped and returns the result;
 * cancellation and failures stop it too (never left recording).
 */
export class ClassRecordings extends SessionKind<typeof ClassRecordingInput, ClassRecordingStatus, ClassRecordingResult> {
  constructor(temporal: TemporalClient, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, CLASS_RECORDING_SESSIONS, checks);
  }

  /** Pauses (true) or resumes (false) the recording; the status shows when the service has it. */
  async hold(id: string, onhold: boolean): Promise<void> {
    await this.temporal.workflow.getHandle(id).signal(classRecordingHoldSignal, { onhold });
  }
}

export type { ClassRecordingInput, ClassRecordingResult, ClassRecordingStatus };
