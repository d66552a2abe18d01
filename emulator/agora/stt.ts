/**
 * Emulated Agora Real-Time STT, 6.x and 7.x (agora.md §3, §4, §14.2, §14.3).
 *
 * 6.x: builderTokens → tasks start/query/update/stop with the same builderToken. A token must start its
 * task within 5 minutes; one token starts one task, so a repeated start answers 201.
 *
 * 7.x: join (an agent with a unique `name` per project: a second join with the name of a running agent
 * answers 409), update with increasing `sequenceId` and dotted `updateMask` paths, query, leave and
 * list by channel. Every agent ends after 72 hours. NCS events 101 (agent joined) and 102 (agent left)
 * go out with productId 20 (webhooks.md §1).
 *
 * Both: the sub and pub bots are integer uids that differ from each other and from everyone in the
 * channel; they join the channel as vendor bots. A task ends when no user has published audio in the
 * channel for `maxIdleTime` (an audience member keeps nothing alive). Stop/leave answer 206 when nobody
 * published while it ran. A user taking a bot's uid kicks the bot (the earlier user with a uid is
 * kicked): 7.x reports FAILED, 6.x (no failure state) STOPPED. A bot removed from the channel rejoins
 * while the task reports RECONNECTING (6.x) / RECOVERING (7.x). Operations that need a running task
 * (update, stop, leave) answer 404 once it has ended; query keeps answering with the final status.
 * Every running task is in the world's task ledger. Errors are `{message}` (agora.md §3).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  missingMaskedFields,
  SequenceId,
  Stt6StartRequest,
  Stt7JoinRequest,
  STT7_STATES,
  SttUpdateBody,
  SttUpdateMask,
  stt7StateCode,
  type RtcConfig,
  type Stt7State,
  type SttUpdatePath,
  valueAtPath,
} from '../../src/schemas/agora/stt';
import type { EmulatorContext } from '../context';
import { ncsEnvelope } from '../webhooks';
import { agoraBasicAuth } from './auth';
import {
  acquireHandler,
  botPresence,
  BuilderTokens,
  fail,
  intParam,
  markEnded,
  parseOr400,
  queryParam,
  rateLimited,
  RECOVERY_MS,
  rtscScope,
  seconds,
  SequenceGuard,
  STARTUP_MS,
  taskByToken,
  uidTaken,
} from './rtsc';

export const STT6_PRODUCT = 'stt6';
export const STT7_PRODUCT = 'stt7';
/** every 7.x agent ends 72 hours after it joined ([public], agora.md §4) */
export const STT7_MAX_LIFETIME_MS = 72 * 3_600_000;
/** NCS productId of Real-Time STT 7.x (webhooks.md §1) */
const NCS_PRODUCT_ID = 20;
const DEFAULT_MAX_IDLE_S = 30;

type EndReason = 'stop' | 'leave' | 'idle' | 'lifetime' | 'uid-conflict';

/** What 6.x tasks and 7.x agents share: two bots in a channel, an idle timer, a config. */
interface BotSession {
  appId: string;
  channel: string;
  subBotUid: string;
  pubBotUid: string;
  /** seconds; 0 = never idle out (7.x) */
  maxIdleTime: number;
  createdAt: number;
  running: boolean;
  endedAt?: number;
  endReason?: EndReason;
  /** last emulated time a user was publishing audio in the channel (the idle timer starts at the join) */
  lastAudioAt: number;
  /** whether any user published audio while the session ran (stop/leave answer 206 otherwise) */
  heardAudio: boolean;
  /** a bot was knocked out of the channel and is rejoining until then */
  recoveringUntil?: number;
  languages: string[];
  subscribeAudioUids?: string[];
  translateConfig?: unknown;
  sequence: SequenceGuard;
}

interface Task6 extends BotSession {
  taskId: string;
  tokenName: string;
}

interface Agent7 extends BotSession {
  agentId: string;
  name: string;
  failed: boolean;
}

const AgentParams = z.object({ appid: z.string(), agentId: z.string() });

export function registerAgoraStt(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world, webhooks } = ctx;
  const auth = agoraBasicAuth(world);
  const tokens = new BuilderTokens(world);
  const tasks = new Map<string, Task6>();
  /** insertion order = creation order (the list API pages through it) */
  const agents = new Map<string, Agent7>();
  /** the sessions still running: what a tick walks (never the ended ones) */
  const runningTasks = new Set<Task6>();
  const runningAgents = new Set<Agent7>();
  const labels = (product: string, operation: string) => ({ labels: { vendor: 'agora' as const, product, operation } });

  // ---- bots and the session lifecycle ----

  /** The reason the bots of `rtc` cannot join, or undefined. */
  const botProblem = (appId: string, rtc: RtcConfig, certificate: string | undefined): string | undefined => {
    const ch = world.channel(appId, rtc.channelName);
    for (const [field, uid] of [
      ['subBotUid', rtc.subBotUid],
      ['pubBotUid', rtc.pubBotUid],
    ] as const) {
      if (uidTaken(ch, uid)) return `rtcConfig.${field} ${uid} is already used in channel ${rtc.channelName}: bot uids must differ from every uid in the channel`;
    }
    if (certificate) {
      if (!rtc.subBotToken || !rtc.pubBotToken) return 'rtcConfig.subBotToken and rtcConfig.pubBotToken are required: the project has App Certificate enabled';
      if (rtc.subBotToken === rtc.pubBotToken) return 'rtcConfig.subBotToken and rtcConfig.pubBotToken must differ: each bot needs a token for its own uid';
    }
    return undefined;
  };

  const session = (appId: string, body: { languages: string[]; rtcConfig: RtcConfig; translateConfig?: unknown }, maxIdleTime: number): BotSession => ({
    appId,
    channel: body.rtcConfig.channelName,
    subBotUid: body.rtcConfig.subBotUid,
    pubBotUid: body.rtcConfig.pubBotUid,
    maxIdleTime,
    createdAt: world.now(),
    lastAudioAt: world.now(),
    heardAudio: false,
    running: true,
    languages: body.languages,
    subscribeAudioUids: body.rtcConfig.subscribeAudioUids,
    translateConfig: body.translateConfig,
    sequence: new SequenceGuard(),
  });

  const botsJoin = (s: BotSession) => {
    world.botJoins(s.appId, s.channel, s.subBotUid);
    world.botJoins(s.appId, s.channel, s.pubBotUid);
  };

  const botsLeave = (s: BotSession) => {
    world.botLeaves(s.appId, s.channel, s.subBotUid);
    world.botLeaves(s.appId, s.channel, s.pubBotUid);
  };

  const end6 = (t: Task6, reason: EndReason) => {
    if (!markEnded(t, reason, world.now())) return;
    runningTasks.delete(t);
    botsLeave(t);
    world.endTask('agora', STT6_PRODUCT, t.taskId, 'STOPPED', reason);
  };

  const end7 = (a: Agent7, reason: EndReason) => {
    const now = world.now();
    if (!markEnded(a, reason, now)) return;
    runningAgents.delete(a);
    a.failed = reason === 'uid-conflict';
    botsLeave(a);
    world.endTask('agora', STT7_PRODUCT, a.agentId, status7(a), reason);
    webhooks.emit('agora', a.appId, {
      label: `stt7 102 agent left (${reason})`,
      body: ncsEnvelope(NCS_PRODUCT_ID, 102, { agent_id: a.agentId, channel: a.channel, start_ts: seconds(a.createdAt), stop_ts: seconds(now) }, world.now()),
    });
  };

  const status6 = (t: Task6): string => {
    if (!t.running) return 'STOPPED';
    const now = world.now();
    if (t.recoveringUntil !== undefined && now < t.recoveringUntil) return 'RECONNECTING';
    return now - t.createdAt < STARTUP_MS ? 'STARTED' : 'IN_PROGRESS';
  };

  const status7 = (a: Agent7): Stt7State => {
    if (!a.running) return a.failed ? 'FAILED' : 'STOPPED';
    const now = world.now();
    if (a.recoveringUntil !== undefined && now < a.recoveringUntil) return 'RECOVERING';
    return now - a.createdAt < STARTUP_MS ? 'STARTING' : 'RUNNING';
  };

  /** Notes whether any user publishes audio in the session's channel now. */
  const listen = (s: BotSession, now: number) => {
    if ([...world.channel(s.appId, s.channel).users.values()].some((u) => !u.bot && u.publishing)) {
      s.lastAudioAt = now;
      s.heardAudio = true;
    }
  };

  /** Stop/leave: 206 when no host published while the task ran ([public] agora.md §3), else 200; no body. */
  const stopped = (s: BotSession, reply: FastifyReply) => reply.code(s.heardAudio ? 200 : 206).send();

  /** Time-driven transitions of one running session; returns the reason it must end, if any. */
  const due = (s: BotSession, now: number, maxLifetimeMs?: number): EndReason | undefined => {
    if (maxLifetimeMs !== undefined && now - s.createdAt >= maxLifetimeMs) return 'lifetime';
    for (const uid of [s.subBotUid, s.pubBotUid]) {
      const p = botPresence(world, s.appId, s.channel, uid);
      if (p === 'conflict') return 'uid-conflict';
      if (p === 'missing') {
        // the bot lost its place (kicked by the control API): it rejoins, the task reports recovering
        world.botJoins(s.appId, s.channel, uid);
        s.recoveringUntil = now + RECOVERY_MS;
      }
    }
    // idle = "no audio stream in the channel" (agora.md §3): no user publishing, bots aside
    listen(s, now);
    if (s.maxIdleTime > 0 && now - s.lastAudioAt >= s.maxIdleTime * 1000) return 'idle';
    return undefined;
  };

  world.onTick((now) => {
    for (const t of runningTasks) {
      const reason = due(t, now);
      if (reason) end6(t, reason);
    }
    for (const a of runningAgents) {
      const reason = due(a, now, STT7_MAX_LIFETIME_MS);
      if (reason) end7(a, reason);
    }
  });

  /** Applies a validated update to a session (only the masked fields). */
  const applyUpdate = (s: BotSession, mask: readonly SttUpdatePath[], body: SttUpdateBody) => {
    for (const p of mask) {
      if (p === 'languages') s.languages = body.languages!;
      if (p === 'rtcConfig.subscribeAudioUids') s.subscribeAudioUids = body.rtcConfig!.subscribeAudioUids!;
      if (p === 'translateConfig.enable' || p === 'translateConfig.languages') {
        const key = p.slice('translateConfig.'.length);
        s.translateConfig = { ...(s.translateConfig as object | undefined), [key]: (body.translateConfig as Record<string, unknown>)[key] };
      }
    }
  };

  /** Shared update handling: sequenceId, updateMask, body; 'replay' and 'applied' answer 200. */
  const update = (s: BotSession, req: FastifyRequest, reply: FastifyReply): boolean => {
    const sequenceId = intParam(req, reply, 'sequenceId', true);
    if (sequenceId === null || sequenceId === undefined) return false;
    if (!SequenceId.safeParse(sequenceId).success) {
      fail(reply, 400, 'sequenceId is out of range');
      return false;
    }
    const mask = parseOr400(SttUpdateMask, queryParam(req, 'updateMask') ?? '', reply, 'invalid updateMask');
    if (!mask) return false;
    const body = parseOr400(SttUpdateBody, req.body ?? {}, reply, 'invalid update body');
    if (!body) return false;
    const missing = missingMaskedFields(body, mask);
    if (missing.length) {
      fail(reply, 400, `invalid update body: ${missing.join('; ')}`);
      return false;
    }
    const key = { mask: [...mask].sort(), body: Object.fromEntries(mask.map((p) => [p, valueAtPath(body, p)])) };
    return s.sequence.accept(reply, sequenceId, key, () => applyUpdate(s, mask, body));
  };

  rtscScope(app, (scope) => {
    // ======================= 6.x =======================
    const base6 = '/v1/projects/:appid/rtsc/speech-to-text';

    scope.post(`${base6}/builderTokens`, { config: labels(STT6_PRODUCT, 'acquire'), preHandler: auth }, acquireHandler(ctx, tokens, STT6_PRODUCT));

    scope.post(`${base6}/tasks`, { config: labels(STT6_PRODUCT, 'start'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT6_PRODUCT, 'start')) return reply;
      const { appid } = req.params as { appid: string };
      const token = tokens.fromQuery(req, reply, appid);
      if (!token) return reply;
      if (token.taskId) {
        // one builderToken = one task: "service already running, don't repeat start" (agora.md §3)
        req.logRef = { ...req.logRef, sid: token.taskId, cname: tasks.get(token.taskId)?.channel };
        return reply.code(201).send({ message: 'a task has already been started with this builderToken' });
      }
      if (tokens.expired(token)) return fail(reply, 400, 'builderToken expired: it must be used within 5 minutes of acquire; acquire a new one');
      const body = parseOr400(Stt6StartRequest, req.body ?? {}, reply);
      if (!body) return reply;
      req.logRef = { ...req.logRef, cname: body.rtcConfig.channelName };
      const problem = botProblem(appid, body.rtcConfig, req.agoraAccount?.apps[appid]);
      if (problem) return fail(reply, 400, problem);

      const taskId = randomBytes(16).toString('hex');
      const task: Task6 = { ...session(appid, body, body.maxIdleTime ?? DEFAULT_MAX_IDLE_S), taskId, tokenName: token.tokenName };
      tasks.set(taskId, task);
      runningTasks.add(task);
      token.taskId = taskId;
      botsJoin(task);
      listen(task, world.now());
      world.putTask({ vendor: 'agora', product: STT6_PRODUCT, id: taskId, appId: appid, cname: task.channel, state: 'running', billing: true, startedAt: task.createdAt });
      req.logRef = { ...req.logRef, sid: taskId };
      return { createTs: seconds(task.createdAt), status: status6(task), taskId };
    });

    const findTask = (req: FastifyRequest, reply: FastifyReply): Task6 | undefined =>
      taskByToken(req, reply, tasks, (t) => t.channel, 'builderToken does not match the task: use the builderToken that started it');

    const taskBody = (t: Task6) => ({ createTs: seconds(t.createdAt), status: status6(t), taskId: t.taskId });

    scope.get(`${base6}/tasks/:taskId`, { config: labels(STT6_PRODUCT, 'query'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT6_PRODUCT, 'query')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      return taskBody(task);
    });

    scope.patch(`${base6}/tasks/:taskId`, { config: labels(STT6_PRODUCT, 'update'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT6_PRODUCT, 'update')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      if (!task.running) return fail(reply, 404, 'task is not running');
      if (!update(task, req, reply)) return reply;
      return taskBody(task);
    });

    scope.delete(`${base6}/tasks/:taskId`, { config: labels(STT6_PRODUCT, 'stop'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT6_PRODUCT, 'stop')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      if (!task.running) return fail(reply, 404, 'task is not running');
      listen(task, world.now());
      end6(task, 'stop');
      return stopped(task, reply);
    });

    // ======================= 7.x =======================
    const base7 = '/api/speech-to-text/v1/projects/:appid';

    scope.post(`${base7}/join`, { config: labels(STT7_PRODUCT, 'join'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT7_PRODUCT, 'join')) return reply;
      const { appid } = req.params as { appid: string };
      const body = parseOr400(Stt7JoinRequest, req.body ?? {}, reply);
      if (!body) return reply;
      req.logRef = { ...req.logRef, cname: body.rtcConfig.channelName };
      const sameName = [...runningAgents].find((a) => a.appId === appid && a.name === body.name);
      if (sameName) return fail(reply, 409, `an agent named "${body.name}" is already running in this project`);
      const problem = botProblem(appid, body.rtcConfig, req.agoraAccount?.apps[appid]);
      if (problem) return fail(reply, 400, problem);

      const agentId = randomUUID().replace(/-/g, '');
      const agent: Agent7 = { ...session(appid, body, body.maxIdleTime ?? DEFAULT_MAX_IDLE_S), agentId, name: body.name, failed: false };
      agents.set(agentId, agent);
      runningAgents.add(agent);
      botsJoin(agent);
      listen(agent, world.now());
      world.putTask({ vendor: 'agora', product: STT7_PRODUCT, id: agentId, appId: appid, cname: agent.channel, state: 'running', billing: true, startedAt: agent.createdAt });
      webhooks.emit('agora', appid, {
        label: 'stt7 101 agent joined',
        body: ncsEnvelope(NCS_PRODUCT_ID, 101, { agent_id: agentId, channel: agent.channel, start_ts: seconds(agent.createdAt) }, world.now()),
      });
      req.logRef = { ...req.logRef, sid: agentId };
      // the seed's saved example answers STARTED; queries then report STARTING → RUNNING
      return { createTs: seconds(agent.createdAt), status: 'STARTED', agent_id: agentId };
    });

    const findAgent = (req: FastifyRequest, reply: FastifyReply): Agent7 | undefined => {
      const { appid, agentId } = AgentParams.parse(req.params);
      req.logRef = { ...req.logRef, sid: agentId };
      const agent = agents.get(agentId);
      if (!agent || agent.appId !== appid) {
        fail(reply, 404, 'agent not found');
        return undefined;
      }
      req.logRef.cname = agent.channel;
      return agent;
    };

    const agentBody = (a: Agent7) => ({ agent_id: a.agentId, createTs: seconds(a.createdAt), status: status7(a) });

    scope.get(`${base7}/agents/:agentId`, { config: labels(STT7_PRODUCT, 'query'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT7_PRODUCT, 'query')) return reply;
      const agent = findAgent(req, reply);
      if (!agent) return reply;
      const message = agent.running ? `agent ${status7(agent).toLowerCase()}` : `agent exited: ${agent.endReason}`;
      return { message, ...agentBody(agent) };
    });

    scope.post(`${base7}/agents/:agentId/update`, { config: labels(STT7_PRODUCT, 'update'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT7_PRODUCT, 'update')) return reply;
      const agent = findAgent(req, reply);
      if (!agent) return reply;
      if (!agent.running) return fail(reply, 404, 'agent is not running');
      if (!update(agent, req, reply)) return reply;
      return agentBody(agent);
    });

    scope.post(`${base7}/agents/:agentId/leave`, { config: labels(STT7_PRODUCT, 'leave'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT7_PRODUCT, 'leave')) return reply;
      const agent = findAgent(req, reply);
      if (!agent) return reply;
      if (!agent.running) return fail(reply, 404, 'agent is not running');
      listen(agent, world.now());
      end7(agent, 'leave');
      return stopped(agent, reply);
    });

    scope.get(`${base7}/agents`, { config: labels(STT7_PRODUCT, 'list'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, STT7_PRODUCT, 'list')) return reply;
      const { appid } = req.params as { appid: string };
      const channel = queryParam(req, 'channel');
      const nowS = seconds(world.now());
      const from = intParam(req, reply, 'from_time', false);
      if (from === null) return reply;
      const to = intParam(req, reply, 'to_time', false);
      if (to === null) return reply;
      const state = intParam(req, reply, 'state', false);
      if (state === null) return reply;
      if (state !== undefined && state >= STT7_STATES.length) return fail(reply, 400, `state must be one of 0-${STT7_STATES.length - 1}`);
      const limit = intParam(req, reply, 'limit', false);
      if (limit === null) return reply;
      if (limit !== undefined && (limit < 1 || limit > 100)) return fail(reply, 400, 'limit must be 1-100');
      const fromS = from ?? nowS - 86_400;
      const toS = to ?? nowS;
      const wanted = state ?? stt7StateCode('RUNNING');
      if (channel) req.logRef = { ...req.logRef, cname: channel };

      let matches = [...agents.values()].filter(
        (a) => a.appId === appid && (!channel || a.channel === channel) && seconds(a.createdAt) >= fromS && seconds(a.createdAt) <= toS && stt7StateCode(status7(a)) === wanted,
      );
      const cursor = queryParam(req, 'cursor');
      if (cursor) {
        const i = matches.findIndex((a) => a.agentId === cursor);
        if (i < 0) return fail(reply, 400, 'invalid cursor: use the agent_id of the last item of the previous page');
        matches = matches.slice(i + 1);
      }
      const page = matches.slice(0, limit ?? 20);
      return {
        data: { count: page.length, list: page.map((a) => ({ start_ts: seconds(a.createdAt), status: status7(a), agent_id: a.agentId })) },
        status: 'ok',
      };
    });
  });
}
