/**
 * Agora Console API calls (agora.md §11): projects (create, get, list, enable/disable, primary
 * certificate on/off and reset) and project usage (`GET /dev/v3/usage`). One REST call each over the one
 * Agora HTTP layer (Basic auth: the Console documents no HMAC). Success is 200 or 201; failures are
 * `{message}` with 400 (duplicate name, vendor blocked, project limit), 401, 403, 404, 415, 429 (≤ 10 QPS
 * per account and API; retryable), 500, classified by src/agora/errors.ts.
 *
 * `sign_key` in a project is the primary App Certificate: a secret. These calls run where they are
 * asked (CLI, application), never in a workflow, and the CLI masks it unless told otherwise.
 *
 * createProject is not idempotent (a second POST with the same name is a 400 "duplicate"): after an
 * ambiguous failure, look the name up with listProjects before posting again (findProjectByName).
 */
import type { z } from 'zod';
import {
  CreateProjectRequest,
  GetProjectQuery,
  ProjectResponse,
  ProjectStatusRequest,
  ProjectsResponse,
  ResetSignKeyRequest,
  SignKeyRequest,
  USAGE_CLASSES,
  UsageQuery,
  UsageResponse,
  type Project,
  type UsageBusiness,
  type UsageClass,
} from '../schemas/agora/console';
import { parseInput } from '../schemas/parse';
import { agoraCall, withBasicAuth, type AgoraContext } from './http';

const PRODUCT = 'console';

export type { Project, UsageBusiness, UsageClass };

async function projectCall(ctx: AgoraContext, operation: string, path: string, json: unknown, idempotent: boolean): Promise<{ project: Project; requestId: string }> {
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'POST',
    path,
    json,
    site: { product: PRODUCT, operation, idempotent },
    response: ProjectResponse,
  });
  return { project: res.body.project, requestId: res.requestId };
}

/** Creates a project (201). Not idempotent: see the module comment. */
export async function createProject(ctx: AgoraContext, input: { name: string; enableSignKey: boolean }): Promise<{ project: Project; requestId: string }> {
  const json = parseInput(CreateProjectRequest, { name: input.name, enable_sign_key: input.enableSignKey }, 'project');
  return projectCall(ctx, 'createProject', '/dev/v1/project', json, false);
}

/** All projects of the account. */
export async function listProjects(ctx: AgoraContext): Promise<{ projects: Project[]; requestId: string }> {
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'GET',
    path: '/dev/v1/projects',
    site: { product: PRODUCT, operation: 'listProjects', idempotent: true },
    response: ProjectsResponse,
  });
  return { projects: res.body.projects, requestId: res.requestId };
}

/** The project with this id and name (the seed requires both); an empty list when none matches. */
export async function getProject(ctx: AgoraContext, input: { id: string; name: string }): Promise<{ projects: Project[]; requestId: string }> {
  const q = parseInput(GetProjectQuery, input, 'project query');
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'GET',
    path: `/dev/v1/project?${new URLSearchParams({ id: q.id, name: q.name })}`,
    site: { product: PRODUCT, operation: 'getProject', idempotent: true },
    response: ProjectsResponse,
  });
  return { projects: res.body.projects, requestId: res.requestId };
}

/** The project named `name`, for reconciling a create whose outcome is unknown. */
export async function findProjectByName(ctx: AgoraContext, name: string): Promise<Project | undefined> {
  return (await listProjects(ctx)).projects.find((p) => p.name === name);
}

/** Enables (true) or disables (false) a project; the same status again is harmless. */
export async function setProjectEnabled(ctx: AgoraContext, id: string, enabled: boolean): Promise<{ project: Project; requestId: string }> {
  const json = parseInput(ProjectStatusRequest, { id, status: enabled ? 1 : 0 }, 'project status');
  return projectCall(ctx, 'setProjectStatus', '/dev/v1/project_status', json, true);
}

/** Enables or disables the primary App Certificate. */
export async function setSignKeyEnabled(ctx: AgoraContext, id: string, enable: boolean): Promise<{ project: Project; requestId: string }> {
  const json = parseInput(SignKeyRequest, { id, enable }, 'sign key switch');
  return projectCall(ctx, 'setSignKey', '/dev/v1/signkey', json, true);
}

/**
 * Resets the primary App Certificate: every RTC token minted with the old one stops working. Not
 * idempotent (each call makes a new certificate), so it is never repeated after an ambiguous failure.
 */
export async function resetSignKey(ctx: AgoraContext, id: string): Promise<{ project: Project; requestId: string }> {
  const json = parseInput(ResetSignKeyRequest, { id }, 'project id');
  return projectCall(ctx, 'resetSignKey', '/dev/v1/reset_signkey', json, false);
}

export interface UsageInput {
  projectId: string;
  /** UTC date YYYY-MM-DD, inclusive */
  from: string;
  /** UTC date YYYY-MM-DD, inclusive */
  to: string;
  /** default: RTC audio and video */
  business?: UsageBusiness;
}

/** The Console's usage answer as sent (`meta`, `usages[{date, usage}]`, seconds). */
export async function getUsage(ctx: AgoraContext, input: UsageInput): Promise<{ usage: z.infer<typeof UsageResponse>; requestId: string }> {
  const q = parseInput(UsageQuery, { project_id: input.projectId, from_date: input.from, to_date: input.to, business: input.business }, 'usage query');
  const res = await agoraCall(withBasicAuth(ctx), {
    method: 'GET',
    path: `/dev/v3/usage?${new URLSearchParams({ project_id: q.project_id, from_date: q.from_date, to_date: q.to_date, business: q.business })}`,
    site: { product: PRODUCT, operation: 'usage', idempotent: true },
    response: UsageResponse,
  });
  return { usage: res.body, requestId: res.requestId };
}

/** One UTC day of usage: seconds per usage column, and their total. */
export interface UsageDay {
  /** YYYY-MM-DD (UTC) */
  date: string;
  seconds: Record<UsageClass, number>;
  total: number;
}

/** The day of a usage entry: an ISO string (the seed's example) or Unix seconds (the seed's table). */
export function usageDate(date: string | number): string {
  if (typeof date === 'number') return new Date(date * 1000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(date) ? date.slice(0, 10) : new Date(date).toISOString().slice(0, 10);
}

/**
 * Per-day seconds by usage column, for `from`..`to` (UTC, inclusive), sorted by day; every day of the
 * range is present (0 where the Console sent nothing). `business` defaults to RTC (`default`); use
 * `cloudRecording` for Cloud Recording. The column mapping is in src/schemas/agora/console.ts
 * (usageClassFor).
 */
export async function usageByDay(ctx: AgoraContext, input: UsageInput): Promise<UsageDay[]> {
  const { usage } = await getUsage(ctx, input);
  const days = new Map<string, UsageDay>();
  for (let t = Date.parse(`${input.from}T00:00:00Z`); t <= Date.parse(`${input.to}T00:00:00Z`); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    days.set(date, { date, seconds: Object.fromEntries(USAGE_CLASSES.map((c) => [c, 0])) as Record<UsageClass, number>, total: 0 });
  }
  for (const entry of usage.usages) {
    const date = usageDate(entry.date);
    const day = days.get(date);
    if (!day) continue;
    for (const c of USAGE_CLASSES) {
      const s = entry.usage[c] ?? 0;
      day.seconds[c] += s;
      day.total += s;
    }
  }
  return [...days.values()];
}
