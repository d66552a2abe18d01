/**
 * Agora account-level calls users make from a backend or the CLI, outside any session: Console projects
 * and usage (agora.md §11), Analytics reads (§12, paid) and IoT license activation (§12). One call each,
 * made where they are asked with the profile's credentials from this process's configuration (src/config),
 * never through Temporal: a project's `sign_key` (its App Certificate) never enters a workflow history.
 *
 *   const admin = new AgoraAdmin(config, 'default');
 *   const days = await admin.usageByDay({ projectId, from: '2026-12-01', to: '2026-12-01', business: 'cloudRecording' });
 *   await admin.close();
 */
import type { z } from 'zod';
import { ConfigurationError } from '../errors';
import { resolveAgoraProfile, type Config } from '../config';
import { HttpClient } from '../http/client';
import type { AgoraContext } from '../agora/http';
import * as analytics from '../agora/analytics';
import {
  createProject,
  getProject,
  getUsage,
  listProjects,
  resetSignKey,
  setProjectEnabled,
  setSignKeyEnabled,
  usageByDay,
  type Project,
  type UsageDay,
  type UsageInput,
} from '../agora/console';
import { activateLicense, type ActivatedLicense } from '../agora/iot';
import type {
  CallFreezeQuery,
  CallMetricsQuery,
  CallQuery,
  CallStatisticsQuery,
  CallTimeQuery,
  InsightQualityQuery,
  InsightUsageQuery,
  RealtimeQualityQuery,
  RealtimeUsageQuery,
  TimeWindow,
} from '../schemas/agora/analytics';

/** A project with its App Certificate masked (for output; `signKeyEnabled` says whether there is one). */
export function redactProject(p: Project): Project & { signKeyEnabled: boolean } {
  return { ...p, sign_key: p.sign_key ? '***' : p.sign_key, signKeyEnabled: !!p.sign_key };
}

export class AgoraAdmin {
  private readonly ctx: AgoraContext;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly analyticsBaseUrl?: string;

  constructor(
    config: Config,
    readonly profile = 'default',
    http?: HttpClient,
  ) {
    const p = resolveAgoraProfile(config, profile);
    this.ownsHttp = !http;
    this.http = http ?? new HttpClient();
    this.ctx = { http: this.http, baseUrls: p.baseUrls, appId: p.appId, credentials: { customerId: p.customerId, customerSecret: p.customerSecret } };
    // the seed never defines Analytics' {{baseUrl}}: the setting, or the emulator when the profile uses it
    this.analyticsBaseUrl = config.agoraAnalyticsBaseUrl ?? (p.baseUrls.includes(config.emulator.url) ? config.emulator.url : undefined);
  }

  /** the profile's App ID */
  get appId(): string {
    return this.ctx.appId;
  }

  // ---- Console: projects ----

  async projects(): Promise<Project[]> {
    return (await listProjects(this.ctx)).projects;
  }

  async project(id: string, name: string): Promise<Project | undefined> {
    return (await getProject(this.ctx, { id, name })).projects[0];
  }

  /** The project whose App ID is the profile's (the usage API wants the project id, not the App ID). */
  async currentProject(): Promise<Project> {
    const p = (await this.projects()).find((x) => x.vendor_key === this.ctx.appId);
    if (!p) throw new ConfigurationError(`no Console project has the App ID of profile ${this.profile}`);
    return p;
  }

  async createProject(name: string, enableSignKey: boolean): Promise<Project> {
    return (await createProject(this.ctx, { name, enableSignKey })).project;
  }

  async setProjectEnabled(id: string, enabled: boolean): Promise<Project> {
    return (await setProjectEnabled(this.ctx, id, enabled)).project;
  }

  async setSignKeyEnabled(id: string, enabled: boolean): Promise<Project> {
    return (await setSignKeyEnabled(this.ctx, id, enabled)).project;
  }

  async resetSignKey(id: string): Promise<Project> {
    return (await resetSignKey(this.ctx, id)).project;
  }

  // ---- Console: usage ----

  async usage(input: UsageInput) {
    return (await getUsage(this.ctx, input)).usage;
  }

  /** Per-day seconds by usage column (every day of the range present); see src/agora/console.ts usageByDay. */
  async usageByDay(input: UsageInput): Promise<UsageDay[]> {
    return usageByDay(this.ctx, input);
  }

  // ---- IoT ----

  async activateLicense(pid: string, licenseKey: string, appId?: string): Promise<ActivatedLicense> {
    return activateLicense(this.ctx, { pid, licenseKey, appId });
  }

  // ---- Analytics (paid) ----

  private get actx(): AgoraContext {
    return analytics.analyticsContext(this.ctx, this.analyticsBaseUrl);
  }

  readonly analytics = {
    calls: (w: TimeWindow) => analytics.callLists(this.actx, w),
    sessions: (q: z.input<typeof CallQuery>) => analytics.callSessions(this.actx, q),
    metrics: (q: z.input<typeof CallMetricsQuery>) => analytics.callMetrics(this.actx, q),
    statistics: (q: z.input<typeof CallStatisticsQuery>) => analytics.callStatistics(this.actx, q),
    freezeBuckets: (q: z.input<typeof CallFreezeQuery>) => analytics.callFreezeBucket(this.actx, q),
    overTime: (q: z.input<typeof CallTimeQuery>) => analytics.callStatisticsTime(this.actx, q),
    insightQuality: (q: z.input<typeof InsightQualityQuery>) => analytics.insightQuality(this.actx, q),
    insightUsage: (q: z.input<typeof InsightUsageQuery>) => analytics.insightUsage(this.actx, q),
    realtimeQuality: (q: z.input<typeof RealtimeQualityQuery>) => analytics.realtimeQuality(this.actx, q),
    realtimeUsage: (q: z.input<typeof RealtimeUsageQuery>) => analytics.realtimeUsage(this.actx, q),
  };

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}
