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
