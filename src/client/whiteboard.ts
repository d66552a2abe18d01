/**
 * Interactive Whiteboard through the typed client (agora.md §12):
 *
 * - `rtc.whiteboard` — file conversions as durable jobs (the `whiteboardConversion` workflow): the same
 *   surface as every session kind (./sessions.ts: idempotent start by business key, status, stop with the
 *   result), plus `result` (wait for the pages) and `poke` (read the progress now, e.g. from the
 *   application's webhookEndpoint). `stop` cancels the conversion: its task is deleted.
 * - `WhiteboardRooms` — rooms, bans, scenes, screenshots and tokens for an application, with the profile's
 *   whiteboard key pair from this process's configuration (src/config), straight to the vendor, never
 *   through Temporal (each is one call). Input is checked before any call (InvalidInputError).
 */
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import { resolveAgoraProfile, type Config } from '../config';
import { ConfigurationError } from '../errors';
import { HttpClient } from '../http/client';
import * as wb from '../agora/whiteboard';
import type { AddScenesRequest, CreateRoomRequest, Room, Screenshot, ScreenshotRequest, WhiteboardRole } from '../schemas/agora/whiteboard';
import {
  WhiteboardConversionInput,
  whiteboardWorkflowId,
  type ConversionProgress,
  type ConvertedPage,
  type WhiteboardConversionParams,
  type WhiteboardConversionResult,
} from '../schemas/workflows/whiteboard';
import { whiteboardPokeSignal, whiteboardStatusQuery, whiteboardStopSignal, whiteboardStopUpdate, type WhiteboardStatus } from '../../workflows/whiteboard/messages';
import { parseSessionInput, SessionKind, type InputChecks, type SessionKindSpec } from './sessions';

export { whiteboardWorkflowId };

/** `start` converts `resource`; `status` reports the progress; `stop` cancels (deletes the task) and returns the result. */
export const WHITEBOARD_SESSIONS: SessionKindSpec<typeof WhiteboardConversionInput, WhiteboardStatus, WhiteboardConversionResult> = {
  workflowType: 'whiteboardConversion',
  what: 'whiteboard conversion request',
  input: WhiteboardConversionInput,
  idOf: whiteboardWorkflowId,
  status: whiteboardStatusQuery,
  stop: whiteboardStopUpdate,
  stopSignal: whiteboardStopSignal,
};

export class WhiteboardConversions extends SessionKind<typeof WhiteboardConversionInput, WhiteboardStatus, WhiteboardConversionResult> {
  constructor(temporal: Client, taskQueue: string, checks?: InputChecks) {
    super(temporal, taskQueue, WHITEBOARD_SESSIONS, checks);
  }

  /** Waits for the conversion to end: its result (pages when converted). */
  async result(id: string): Promise<WhiteboardConversionResult> {
    return this.temporal.workflow.getHandle(id).result();
  }

  /** Asks the session to read the task's progress now (e.g. when the vendor called the application's webhook). */
  async poke(id: string): Promise<void> {
    await this.temporal.workflow.getHandle(id).signal(whiteboardPokeSignal);
  }
}

/** The input as the workflow gets it (defaults filled in), or InvalidInputError with every issue. */
export const parseWhiteboardConversionInput = (input: WhiteboardConversionInput, checks?: InputChecks): WhiteboardConversionParams =>
  parseSessionInput(WHITEBOARD_SESSIONS, input, checks);

export interface WhiteboardRoomsOptions {
  profile?: string;
  http?: HttpClient;
  /** lifespan of the SDK token minted for each call (ms, default 10 min) */
  tokenLifespanMs?: number;
}

/** Rooms, scenes, screenshots and tokens with one profile's whiteboard key pair. */
export class WhiteboardRooms {
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly keys: wb.WhiteboardKeys;
  private readonly region: string;
  private readonly baseUrl: string;
  private readonly lifespanMs: number;

  constructor(config: Config, opts: WhiteboardRoomsOptions = {}) {
    const name = opts.profile ?? 'default';
    const p = resolveAgoraProfile(config, name);
    if (!p.whiteboard) throw new ConfigurationError(`Agora profile "${name}" has no whiteboard key pair (AGORA_WHITEBOARD_ACCESS_KEY, AGORA_WHITEBOARD_SECRET_ACCESS_KEY)`);
    this.keys = { accessKey: p.whiteboard.accessKey, secretAccessKey: p.whiteboard.secretAccessKey };
    this.region = p.whiteboard.region;
    this.baseUrl = p.whiteboard.baseUrl;
    this.lifespanMs = opts.tokenLifespanMs ?? 10 * 60_000;
    this.ownsHttp = !opts.http;
    this.http = opts.http ?? new HttpClient();
  }

  /** A context with a fresh admin SDK token. */
  private ctx(): wb.WhiteboardContext {
    return { http: this.http, baseUrl: this.baseUrl, region: this.region, token: wb.mintWhiteboardToken('sdk', this.keys, { role: 'admin', lifespanMs: this.lifespanMs }) };
  }

  /** A token minted locally for an application's user: an SDK token, or a room/task token for one uuid (lifespan ms, 0 = never expires). */
  token(kind: wb.WhiteboardTokenKind, opts: { role: WhiteboardRole; lifespanMs: number; uuid?: string }): string {
    return wb.mintWhiteboardToken(kind, this.keys, opts);
  }

  /** A room token through the tokens API. */
  roomToken(uuid: string, opts: { role: WhiteboardRole; lifespanMs: number }): Promise<string> {
    return wb.createRoomToken(this.ctx(), uuid, { ak: this.keys.accessKey, lifespan: opts.lifespanMs, role: opts.role });
  }

  /** A task token through the tokens API (e.g. for a client to read a conversion's progress). */
  taskToken(uuid: string, opts: { role: WhiteboardRole; lifespanMs: number }): Promise<string> {
    return wb.createTaskToken(this.ctx(), uuid, { ak: this.keys.accessKey, lifespan: opts.lifespanMs, role: opts.role });
  }

  createRoom(input: z.input<typeof CreateRoomRequest> = {}): Promise<Room> {
    return wb.createRoom(this.ctx(), input);
  }

  getRoom(uuid: string): Promise<Room> {
    return wb.getRoom(this.ctx(), uuid);
  }

  /** Bans (disables) a room: nobody can join it until it is unbanned. */
  banRoom(uuid: string, isBan = true): Promise<Room> {
    return wb.setRoomBan(this.ctx(), uuid, isBan);
  }

  listScenes(uuid: string): Promise<string[]> {
    return wb.listScenes(this.ctx(), uuid);
  }

  addScenes(uuid: string, input: z.input<typeof AddScenesRequest>): Promise<unknown> {
    return wb.addScenes(this.ctx(), uuid, input);
  }

  switchScene(uuid: string, scenePath: string): Promise<unknown> {
    return wb.switchScene(this.ctx(), uuid, scenePath);
  }

  screenshot(uuid: string, input: z.input<typeof ScreenshotRequest>): Promise<Screenshot> {
    return wb.screenshot(this.ctx(), uuid, input);
  }

  screenshotList(uuid: string, input: z.input<typeof ScreenshotRequest>): Promise<Screenshot[]> {
    return wb.screenshotList(this.ctx(), uuid, input);
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}

export type { ConversionProgress, ConvertedPage, WhiteboardConversionInput, WhiteboardConversionResult, WhiteboardStatus };
