/**
 * The simulated world every emulated product shares: the clock, the vendor accounts, RTC channels with
 * their users, the ledger of vendor tasks (what is running and billing: the leak detector), and the
 * request log.
 */
import { EmulatorClock } from './clock';
import { EMULATOR_AGORA } from './defaults';
import { Ring } from './ring';

export interface AgoraAccount {
  customerId: string;
  customerSecret: string;
  /** App ID → App Certificate (undefined: certificate disabled) */
  apps: Record<string, string | undefined>;
}

export interface ChannelUser {
  uid: string;
  /** bots are the vendor's own agents (recorders, STT bots...); they never keep a channel "occupied" */
  bot: boolean;
  publishing: boolean;
  joinedAt: number;
  /** live-broadcasting role (Channel Management reports it); humans default to host when publishing */
  role?: UserRole;
  /** the client's IP address (ban rules can match it) */
  ip?: string;
  /** Agora platform code reported by Channel Management (1 Android, 2 iOS, 5 Windows, 6 Linux, 7 Web, 8 macOS, 0 other) */
  platform?: number;
}

export type UserRole = 'host' | 'audience';
/** Agora channel profile; the emulator's channels are live broadcasting unless the control API says otherwise */
export type ChannelProfile = 'communication' | 'live_broadcasting';

/** Optional attributes of a user joining through the control API. */
export interface UserAttributes {
  role?: UserRole;
  ip?: string;
  platform?: number;
}

/** A product's objection to a user joining (a ban rule): the reason, or undefined to let the user in. */
export type JoinGuard = (appId: string, cname: string, candidate: { uid: string; ip?: string }) => string | undefined;
/** A product's adjustment of a user who has just joined (a publish ban mutes it). */
export type JoinListener = (ch: Channel, user: ChannelUser) => void;

export interface Channel {
  key: string;
  appId: string;
  cname: string;
  users: Map<string, ChannelUser>;
  /** set when the control API has shaped the channel: no simulated publishers are added then */
  controlled: boolean;
  /** last emulated time at which a non-bot user was present */
  lastOccupiedAt: number;
  /** uids that published at any time (for file lists) */
  everPublished: Set<string>;
  /** set through the control API; absent means live broadcasting */
  profile?: ChannelProfile;
}

export interface VendorTask {
  vendor: 'agora' | 'sparkrtc';
  product: string;
  id: string;
  appId: string;
  cname?: string;
  state: string;
  /** true while the vendor would be charging for it */
  billing: boolean;
  startedAt: number;
  endedAt?: number;
  endReason?: string;
  /** the Console usage column its time bills under (emulator/agora/console.ts), when it bills by resolution */
  usageClass?: string;
}

export interface RequestLogEntry {
  seq: number;
  at: number;
  method: string;
  path: string;
  status: number;
  vendor?: string;
  product?: string;
  operation?: string;
  requestId?: string;
  cname?: string;
  resourceId?: string;
  sid?: string;
  /** the injected fault that hit this request, if any */
  fault?: string;
  /** the request body as received (credentials are never in bodies we log: storage keys are masked) */
  body?: unknown;
}

export interface WorldOptions {
  timeScale?: number;
  agoraAccounts?: AgoraAccount[];
  /** accounts in addition to the built-in demo account (multi-tenant setups) */
  extraAgoraAccounts?: AgoraAccount[];
  /** simulated publishers added to an uncontrolled channel when a vendor bot first joins it */
  autoPublishers?: number;
  /** how many request-log entries to keep (the newest; default DEFAULT_REQUEST_LOG_LIMIT) */
  requestLogLimit?: number;
}

type Ticker = (now: number) => void;

/**
 * Request-log entries kept by default: a whole `npm test` run against one emulator (tests read their own
 * channel's entries, or those after a `sinceSeq` taken moments before) with room to spare.
 */
export const DEFAULT_REQUEST_LOG_LIMIT = 50_000;

export class World {
  readonly clock: EmulatorClock;
  readonly agoraAccounts: AgoraAccount[];
  readonly autoPublishers: number;
  private readonly channels = new Map<string, Channel>();
  private readonly tasks = new Map<string, VendorTask>();
  private readonly tickers: Ticker[] = [];
  private readonly joinGuards: JoinGuard[] = [];
  private readonly joinListeners: JoinListener[] = [];
  private readonly log: Ring<RequestLogEntry>;

  constructor(opts: WorldOptions = {}) {
    this.clock = new EmulatorClock(opts.timeScale ?? 1);
    this.agoraAccounts = [
      ...(opts.agoraAccounts ?? [
        {
          customerId: EMULATOR_AGORA.customerId,
          customerSecret: EMULATOR_AGORA.customerSecret,
          apps: { [EMULATOR_AGORA.appId]: EMULATOR_AGORA.appCertificate },
        },
      ]),
      ...(opts.extraAgoraAccounts ?? []),
    ];
    this.autoPublishers = opts.autoPublishers ?? 2;
    this.log = new Ring(opts.requestLogLimit ?? DEFAULT_REQUEST_LOG_LIMIT);
  }

  now(): number {
    return this.clock.now();
  }

  // ---- channels ----

  channel(appId: string, cname: string): Channel {
    const key = `${appId}/${cname}`;
    let ch = this.channels.get(key);
    if (!ch) {
      ch = { key, appId, cname, users: new Map(), controlled: false, lastOccupiedAt: this.now(), everPublished: new Set() };
      this.channels.set(key, ch);
    }
    return ch;
  }

  listChannels(): Channel[] {
    return [...this.channels.values()];
  }

  /** A vendor bot (recorder...) enters a channel; an uncontrolled empty channel gets simulated publishers. */
  botJoins(appId: string, cname: string, uid: string): Channel {
    const ch = this.channel(appId, cname);
    if (!ch.controlled && humans(ch).length === 0) {
      for (let i = 1; i <= this.autoPublishers; i++) this.userJoins(appId, cname, String(10_000 + i), true);
    }
    ch.users.set(uid, { uid, bot: true, publishing: false, joinedAt: this.now() });
    return ch;
  }

  botLeaves(appId: string, cname: string, uid: string): void {
    const ch = this.channel(appId, cname);
    if (ch.users.get(uid)?.bot) ch.users.delete(uid);
  }

  userJoins(appId: string, cname: string, uid: string, publishing: boolean, attrs: UserAttributes = {}): ChannelUser {
    const ch = this.channel(appId, cname);
    const user: ChannelUser = { uid, bot: false, publishing, joinedAt: this.now(), ...attrs, role: attrs.role ?? (publishing ? 'host' : 'audience') };
    for (const fn of this.joinListeners) fn(ch, user);
    ch.users.set(uid, user);
    ch.lastOccupiedAt = this.now();
    if (user.publishing) ch.everPublished.add(uid);
    return user;
  }

  /** Products that can refuse a user (ban rules) register here; the control API asks before a join. */
  addJoinGuard(fn: JoinGuard): void {
    this.joinGuards.push(fn);
  }

  /** Products that adjust joining users (publish bans) register here; runs inside userJoins. */
  onUserJoin(fn: JoinListener): void {
    this.joinListeners.push(fn);
  }

  /** Why this user may not join the channel now, or undefined when nothing objects. */
  joinRefusal(appId: string, cname: string, uid: string, ip?: string): string | undefined {
    for (const guard of this.joinGuards) {
      const reason = guard(appId, cname, { uid, ip });
      if (reason) return reason;
    }
    return undefined;
  }

  userLeaves(appId: string, cname: string, uid: string): boolean {
    const ch = this.channel(appId, cname);
    const had = ch.users.delete(uid);
    if (had && humans(ch).length === 0) ch.lastOccupiedAt = this.now();
    return had;
  }

  /** Puts a channel under the control API: it gets exactly the users the test or operator adds. */
  controlChannel(appId: string, cname: string): Channel {
    const ch = this.channel(appId, cname);
    ch.controlled = true;
    return ch;
  }

  /** Emulated milliseconds the channel has been without any non-bot user (0 while occupied). */
  idleFor(ch: Channel): number {
    return humans(ch).length > 0 ? 0 : this.now() - ch.lastOccupiedAt;
  }

  // ---- tasks ----

  putTask(task: VendorTask): void {
    this.tasks.set(`${task.vendor}/${task.product}/${task.id}`, task);
  }

  endTask(vendor: VendorTask['vendor'], product: string, id: string, state: string, reason: string): void {
    const t = this.tasks.get(`${vendor}/${product}/${id}`);
    if (!t || !t.billing) return;
    t.state = state;
    t.billing = false;
    t.endedAt = this.now();
    t.endReason = reason;
  }

  listTasks(filter: { running?: boolean; product?: string; cname?: string } = {}): VendorTask[] {
    return [...this.tasks.values()].filter(
      (t) => (filter.running === undefined || t.billing === filter.running) && (!filter.product || t.product === filter.product) && (!filter.cname || t.cname === filter.cname),
    );
  }

  // ---- time ----

  /** Products register a function that applies time-driven transitions (idle timeouts, expiries). */
  onTick(fn: Ticker): void {
    this.tickers.push(fn);
  }

  tick(): void {
    const now = this.now();
    for (const t of this.tickers) t(now);
  }

  // ---- request log ----

  /** Logs one request: O(1), the oldest entry goes once the log holds `requestLogLimit`. */
  record(entry: Omit<RequestLogEntry, 'seq'>): void {
    // an entry's seq is its arrival number in the ring, so `sinceSeq` reads skip straight to it
    this.log.push({ seq: this.log.pushed + 1, ...entry });
  }

  /** The kept entries, oldest first; sequence numbers rise monotonically and are never reused. */
  requests(filter: { product?: string; cname?: string; sinceSeq?: number } = {}): RequestLogEntry[] {
    return this.log.list(filter.sinceSeq, (e) => (!filter.product || e.product === filter.product) && (!filter.cname || e.cname === filter.cname));
  }

  // ---- accounts ----

  agoraAccountFor(customerId: string, customerSecret: string): AgoraAccount | undefined {
    return this.agoraAccounts.find((a) => a.customerId === customerId && a.customerSecret === customerSecret);
  }
}

function humans(ch: Channel): ChannelUser[] {
  return [...ch.users.values()].filter((u) => !u.bot);
}
