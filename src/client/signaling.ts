/**
 * Signaling (RTM) REST from an application or the CLI (agora.md §10): messages and event polling with the
 * profile's credentials from this process's configuration (src/config), straight to Agora, never through
 * Temporal (a message is one call; a workflow that needs one uses the activity). Token auth mints a
 * Signaling token from the profile's App Certificate for the sender uid; Basic sends as any uid.
 */
import { resolveAgoraProfile, type Config } from '../config';
import type { AgoraContext } from '../agora/http';
import { HttpClient } from '../http/client';
import {
  SignalingEventPoller,
  sendChannelMessage,
  sendPeerMessage,
  signalingContext,
  type ChannelMessageInput,
  type EventKind,
  type MessageResult,
  type PeerMessageInput,
  type PollerOptions,
} from '../agora/signaling';

export interface SignalingOptions {
  profile?: string;
  /** 'token': send with a Signaling token minted for each sender (needs the profile's App Certificate) */
  auth?: 'basic' | 'token';
  http?: HttpClient;
}

export class Signaling {
  private readonly base: AgoraContext;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly auth: 'basic' | 'token';
  private readonly appCertificate?: string;

  constructor(config: Config, opts: SignalingOptions = {}) {
    const p = resolveAgoraProfile(config, opts.profile ?? 'default');
    this.ownsHttp = !opts.http;
    this.http = opts.http ?? new HttpClient();
    this.auth = opts.auth ?? 'basic';
    this.appCertificate = p.appCertificate;
    this.base = { http: this.http, baseUrls: p.baseUrls, appId: p.appId, credentials: { customerId: p.customerId, customerSecret: p.customerSecret } };
  }

  /** the context calls as `uid` use */
  private ctx(uid: string): AgoraContext {
    return this.auth === 'token' ? signalingContext(this.base, { auth: 'token', uid, appCertificate: this.appCertificate }) : signalingContext(this.base, { auth: 'basic' });
  }

  /** A peer message (the message ID goes inside the payload; `attempts` repeats 408/429 with it). */
  sendPeer(input: PeerMessageInput): Promise<MessageResult> {
    return sendPeerMessage(this.ctx(input.fromUserId), input);
  }

  sendChannel(input: ChannelMessageInput): Promise<MessageResult> {
    return sendChannelMessage(this.ctx(input.fromUserId), input);
  }

  /** A poller over several regions returning each event once; `as` is the token's uid with token auth. */
  poller<K extends EventKind>(kind: K, opts: PollerOptions & { as?: string }): SignalingEventPoller<K> {
    return new SignalingEventPoller(this.ctx(opts.as ?? 'rtcflow'), kind, opts);
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}
