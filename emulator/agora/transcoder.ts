/**
 * Emulated Agora Cloud Transcoder (agora.md §8, §14.7): builderTokens → create → query → update → delete,
 * all with the builderToken of the task.
 *
 *  - A builderToken lives 5 minutes (older: 400); a create later than 2 s after its acquire answers 206
 *    "request timed out" and creates nothing (the seed: "initiate Create within 2 seconds after Acquire
 *    ... may cause the request to fail"; [public] 206 on create = timed out, retry, then new UID and new
 *    builderToken). One builderToken = one task: another create with it answers 409.
 *  - The output `rtcUid` is the transcoder's uid in the output channel and must be free there; input
 *    uids are the hosts' (0 in an audio input = whole-channel mix). All inputs are in one channel.
 *  - update carries the whole create body with `sequenceId` (≥ 0, increasing) and
 *    `updateMask=services.cloudTranscoder.config`; only inputs, video regions and output audio/video
 *    options may change, and the scenario (audio+video, audio-only, channel mix) must stay.
 *  - The task exits (EXIT) once none of its input hosts has been in the channel for `idleTimeout`;
 *    a user taking the output uid kicks the transcoder (FAILURE_STOP / serviceAbnormal).
 *  - Statuses: STARTED/serviceReady at create, IN_PROGRESS/serviceInProgress while running,
 *    STOPPED/serviceCompleted after delete (the seed's saved examples).
 *  - `GET …/tasks/?builderToken=` (no taskId) answers the task of that builderToken, as the seed's
 *    query request and its saved 200 example do; 404 when the token started none.
 *  - Transcoding templates: `POST …/rtls/abr/config/codecs/{codecId}` creates or resets one
 *    (`{"status":"success"}`), `GET …/rtls/abr/config/codecs` lists them (the seed's two calls; no delete).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CodecTemplate, CreateTaskRequest, SERVICE_TYPE, TRANSCODER_UPDATE_MASK, updateViolations, type TranscoderConfig } from '../../src/schemas/agora/transcoder';
import type { EmulatorContext } from '../context';
import type { World } from '../world';
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
  rtscScope,
  seconds,
  SequenceGuard,
  STARTUP_MS,
  taskByToken,
} from './rtsc';

export const TRANSCODER_PRODUCT = 'cloud-transcoder';
/** "initiate Create within 2 seconds after Acquire" (agora.md §8) */
export const CREATE_WINDOW_MS = 2_000;
const DEFAULT_IDLE_TIMEOUT_S = 300;

type EndReason = 'delete' | 'idle' | 'uid-conflict';

interface Output {
  channel: string;
  uid: string;
}

interface Task {
  taskId: string;
  appId: string;
  tokenName: string;
  createdAt: number;
  running: boolean;
  endedAt?: number;
  endReason?: EndReason;
  config: TranscoderConfig;
  inputChannel: string;
  /** the transcoder's own (randomly assigned) uid in the input channel */
  inputBotUid: string;
  outputs: Output[];
  lastInputSeenAt: number;
  sequence: SequenceGuard;
}

export function registerAgoraCloudTranscoder(app: FastifyInstance, ctx: EmulatorContext): void {
  const { world } = ctx;
  const auth = agoraBasicAuth(world);
  const tokens = new BuilderTokens(world);
  const tasks = new Map<string, Task>();
  /** the tasks still running: what a tick walks (never the ended ones) */
  const running = new Set<Task>();
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: TRANSCODER_PRODUCT, operation } });

  const configOf = (body: CreateTaskRequest): TranscoderConfig => body.services.cloudTranscoder.config.transcoder;
  const inputsOf = (t: TranscoderConfig) => [...(t.audioInputs ?? []), ...(t.videoInputs ?? [])];
  const outputsOf = (t: TranscoderConfig): Output[] => t.outputs.map((o) => ({ channel: o.rtc.rtcChannel, uid: String(o.rtc.rtcUid) }));

  /** In an uncontrolled input channel the hosts the transcoder subscribes to are simulated (the demo). */
  const simulateHosts = (appId: string, t: TranscoderConfig) => {
    const inputs = inputsOf(t);
    const cname = inputs[0]!.rtc.rtcChannel;
    if (world.channel(appId, cname).controlled) return;
    for (const uid of new Set(inputs.map((i) => i.rtc.rtcUid).filter((u) => u !== 0))) {
      if (!world.channel(appId, cname).users.has(String(uid))) world.userJoins(appId, cname, String(uid), true);
    }
  };

  const status = (t: Task): { status: string; service: string; message: string } => {
    if (t.running) {
      return world.now() - t.createdAt < STARTUP_MS
        ? { status: 'STARTED', service: 'serviceReady', message: '' }
        : { status: 'IN_PROGRESS', service: 'serviceInProgress', message: 'OnSlaveServiceQueryUpdated' };
    }
    switch (t.endReason) {
      case 'idle':
        return { status: 'EXIT', service: 'serviceCompleted', message: 'idle timeout: no input host in the channel' };
      case 'uid-conflict':
        return { status: 'FAILURE_STOP', service: 'serviceAbnormal', message: 'the output uid was taken by another user' };
      default:
        return { status: 'STOPPED', service: 'serviceCompleted', message: 'OnSlaveServiceStopped' };
    }
  };

  /** The task object of the seed's saved examples (the reserved objects are empty there too). */
  const taskBody = (t: Task) => {
    const s = status(t);
    return {
      createTs: seconds(t.createdAt),
      eventHandlers: {},
      execution: { workflows: {} },
      properties: {},
      sequenceId: String(t.sequence.last ?? 0),
      services: { cloudTranscoder: { config: {}, createTs: seconds(t.createdAt), details: {}, message: s.message, serviceType: SERVICE_TYPE, status: s.service } },
      status: s.status,
      taskId: t.taskId,
      variables: {},
      workflows: {},
    };
  };

  const end = (t: Task, reason: EndReason) => {
    if (!markEnded(t, reason, world.now())) return;
    running.delete(t);
    world.botLeaves(t.appId, t.inputChannel, t.inputBotUid);
    for (const o of t.outputs) world.botLeaves(t.appId, o.channel, o.uid);
    world.endTask('agora', TRANSCODER_PRODUCT, t.taskId, status(t).status, reason);
  };

  const inputHostPresent = (t: Task): boolean => {
    const ch = world.channel(t.appId, t.inputChannel);
    const humans = [...ch.users.values()].filter((u) => !u.bot).map((u) => u.uid);
    const uids = inputsOf(t.config).map((i) => i.rtc.rtcUid);
    if (uids.includes(0)) return humans.length > 0; // whole-channel mix: anybody
    return uids.some((u) => humans.includes(String(u)));
  };

  world.onTick((now) => {
    for (const t of running) {
      let conflict = false;
      for (const o of t.outputs) {
        const p = botPresence(world, t.appId, o.channel, o.uid);
        if (p === 'conflict') conflict = true;
        else if (p === 'missing') joinOutput(world, t.appId, o);
      }
      if (conflict) {
        end(t, 'uid-conflict');
        continue;
      }
      if (inputHostPresent(t)) t.lastInputSeenAt = now;
      const idleTimeout = (t.config.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_S) * 1000;
      if (now - t.lastInputSeenAt >= idleTimeout) end(t, 'idle');
    }
  });

  /** Why these outputs cannot join (uid taken), or why tokens are missing; undefined when fine. */
  const problem = (appId: string, config: TranscoderConfig, certificate: string | undefined, ignore?: Task): string | undefined => {
    for (const o of outputsOf(config)) {
      const user = world.channel(appId, o.channel).users.get(o.uid);
      const ours = ignore?.outputs.some((x) => x.channel === o.channel && x.uid === o.uid);
      if (user && !ours) return `outputs rtcUid ${o.uid} is already used in channel ${o.channel}: the output uid must be unique in its channel`;
    }
    if (certificate) {
      const all = [...inputsOf(config).map((i) => i.rtc), ...config.outputs.map((o) => o.rtc)];
      if (all.some((r) => !r.rtcToken)) return 'rtcToken is required for every input and output: the project has App Certificate enabled';
    }
    return undefined;
  };

  registerTemplates(app, ctx, auth);
  rtscScope(app, (scope) => {
    const base = '/v1/projects/:appid/rtsc/cloud-transcoder';

    scope.post(`${base}/builderTokens`, { config: labels('acquire'), preHandler: auth }, acquireHandler(ctx, tokens, TRANSCODER_PRODUCT));

    scope.post(`${base}/tasks`, { config: labels('create'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'create')) return reply;
      const { appid } = req.params as { appid: string };
      const token = tokens.fromQuery(req, reply, appid);
      if (!token) return reply;
      if (token.taskId) {
        req.logRef = { ...req.logRef, sid: token.taskId, cname: tasks.get(token.taskId)?.inputChannel };
        return fail(reply, 409, 'the task of this builderToken has already been started: no retry needed');
      }
      if (tokens.expired(token)) return fail(reply, 400, 'builderToken expired: it lives 5 minutes; acquire a new one');
      if (world.now() - token.createdAt > CREATE_WINDOW_MS) {
        return fail(reply, 206, 'request timed out: create must follow acquire within 2 seconds; retry, then use a new builderToken');
      }
      const body = parseOr400(CreateTaskRequest, req.body ?? {}, reply);
      if (!body) return reply;
      const config = configOf(body);
      const inputChannel = inputsOf(config)[0]!.rtc.rtcChannel;
      req.logRef = { ...req.logRef, cname: inputChannel };
      const why = problem(appid, config, req.agoraAccount?.apps[appid]);
      if (why) return fail(reply, 400, why);

      const taskId = randomBytes(16).toString('hex');
      simulateHosts(appid, config);
      const inputCh = world.channel(appid, inputChannel);
      let inputBotUid: string;
      do inputBotUid = String(randomInt(1, 2 ** 31));
      while (inputCh.users.has(inputBotUid));
      world.botJoins(appid, inputChannel, inputBotUid);
      const task: Task = {
        taskId,
        appId: appid,
        tokenName: token.tokenName,
        createdAt: world.now(),
        running: true,
        config,
        inputChannel,
        inputBotUid,
        outputs: outputsOf(config),
        lastInputSeenAt: world.now(),
        sequence: new SequenceGuard(),
      };
      for (const o of task.outputs) joinOutput(world, appid, o);
      tasks.set(taskId, task);
      running.add(task);
      token.taskId = taskId;
      world.putTask({ vendor: 'agora', product: TRANSCODER_PRODUCT, id: taskId, appId: appid, cname: inputChannel, state: 'running', billing: true, startedAt: task.createdAt });
      req.logRef = { ...req.logRef, sid: taskId };
      return taskBody(task);
    });

    // the seed's query URL has no taskId: the builderToken names the one task it started
    scope.get(`${base}/tasks/`, { config: labels('queryByToken'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'query')) return reply;
      const { appid } = req.params as { appid: string };
      const token = tokens.fromQuery(req, reply, appid);
      if (!token) return reply;
      const task = token.taskId ? tasks.get(token.taskId) : undefined;
      if (!task) return fail(reply, 404, 'task not found: this builderToken started no task');
      req.logRef = { ...req.logRef, sid: task.taskId, cname: task.inputChannel };
      return taskBody(task);
    });

    const findTask = (req: FastifyRequest, reply: FastifyReply): Task | undefined =>
      taskByToken(req, reply, tasks, (t) => t.inputChannel, 'builderToken does not match the task: use the builderToken that created it');

    scope.get(`${base}/tasks/:taskId`, { config: labels('query'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'query')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      return taskBody(task);
    });

    scope.patch(`${base}/tasks/:taskId`, { config: labels('update'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'update')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      if (!task.running) return fail(reply, 404, 'task is not running');
      const sequenceId = intParam(req, reply, 'sequenceId', true);
      if (sequenceId === null || sequenceId === undefined) return reply;
      const mask = queryParam(req, 'updateMask');
      if (mask !== TRANSCODER_UPDATE_MASK) return fail(reply, 400, `updateMask must be ${TRANSCODER_UPDATE_MASK}`);
      const body = parseOr400(CreateTaskRequest, req.body ?? {}, reply, 'invalid update body (it must be the whole create body)');
      if (!body) return reply;
      const config = configOf(body);
      const violations = updateViolations(task.config, config);
      if (violations.length) return fail(reply, 400, `update not allowed: ${violations.join('; ')}`);
      const why = problem(task.appId, config, req.agoraAccount?.apps[task.appId], task);
      if (why) return fail(reply, 400, why);
      // a repeat of the last update is told by its configuration: a caller that retries with fresh tokens repeats it
      const accepted = task.sequence.accept(reply, sequenceId, withoutTokens(body), () => {
        task.config = config;
        simulateHosts(task.appId, config);
      });
      if (!accepted) return reply;
      return taskBody(task);
    });

    scope.delete(`${base}/tasks/:taskId`, { config: labels('delete'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'delete')) return reply;
      const task = findTask(req, reply);
      if (!task) return reply;
      if (!task.running) return fail(reply, 404, 'task is not running');
      end(task, 'delete');
      return taskBody(task);
    });
  });
}

/** Transcoding templates per App ID (agora.md §8): create/reset and list, as the seed's two calls. */
function registerTemplates(app: FastifyInstance, ctx: EmulatorContext, auth: ReturnType<typeof agoraBasicAuth>): void {
  const templates = new Map<string, Map<string, CodecTemplate>>();
  const labels = (operation: string) => ({ labels: { vendor: 'agora' as const, product: TRANSCODER_PRODUCT, operation } });
  const base = '/v1/projects/:appid/rtls/abr/config/codecs';
  rtscScope(app, (scope) => {
    scope.post(`${base}/:codecId`, { config: labels('templateSet'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'templateSet')) return reply;
      const { appid, codecId } = req.params as { appid: string; codecId: string };
      const body = parseOr400(CodecTemplate, req.body ?? {}, reply);
      if (!body) return reply;
      if (!templates.has(appid)) templates.set(appid, new Map());
      templates.get(appid)!.set(codecId, body);
      return { status: 'success' };
    });
    scope.get(base, { config: labels('templateList'), preHandler: auth }, async (req, reply) => {
      if (rateLimited(ctx, req, reply, TRANSCODER_PRODUCT, 'templateList')) return reply;
      const { appid } = req.params as { appid: string };
      const codecs = [...(templates.get(appid)?.entries() ?? [])].map(([id, t]) => ({ ...t, id }));
      return { status: 'success', data: { enabled: codecs.some((c) => c.enabled), codecs } };
    });
  });
}

/**
 * The transcoder enters its output channel as a vendor bot. Not through world.botJoins: an output
 * channel is an audience channel, it must not get the simulated publishers an uncontrolled channel
 * gets when a bot first joins it.
 */
function joinOutput(world: World, appId: string, o: Output): void {
  world.channel(appId, o.channel).users.set(o.uid, { uid: o.uid, bot: true, publishing: true, joinedAt: world.now() });
}

/** The update body without its `rtcToken`s (fresh ones for the same channels and uids change nothing). */
function withoutTokens(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body, (key, value: unknown) => (key === 'rtcToken' ? undefined : value)));
}
