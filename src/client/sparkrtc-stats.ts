/**
 * SparkRTC statistics reads (sparkrtc.md §13) for a backend or the CLI: rooms, realtime scale and quality,
 * historical usage, scale and quality of the profile's app. Made where they are asked, with the profile's
 * credentials from this process's configuration, never through Temporal.
 */
import { resolveSparkRtcProfile, type Config } from '../config';
import { HttpClient } from '../http/client';
import type { IamTokenOptions } from '../sparkrtc/auth';
import { createSparkRtcContext, type SparkRtcContext } from '../sparkrtc/http';
import { historyQuality, historyScale, historyUsage, realtimeQuality, realtimeScale, roomStats } from '../sparkrtc/statistics';

type Input<F extends (ctx: SparkRtcContext, input: any) => unknown> = Parameters<F>[1];

export class SparkRtcStats {
  private readonly ctx: SparkRtcContext;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;

  constructor(
    config: Config,
    readonly profile = 'default',
    http?: HttpClient,
    /** signing options (tests pass the emulator's clock as `now`) */
    opts: IamTokenOptions = {},
  ) {
    const p = resolveSparkRtcProfile(config, profile);
    this.ownsHttp = !http;
    this.http = http ?? new HttpClient();
    this.ctx = createSparkRtcContext(p, this.http, { projectName: p.region, ...opts });
  }

  get appId(): string {
    return this.ctx.appId;
  }

  rooms(input: Input<typeof roomStats> = {}) {
    return roomStats(this.ctx, input);
  }
  realtimeScale(input: Input<typeof realtimeScale>) {
    return realtimeScale(this.ctx, input);
  }
  realtimeQuality(input: Input<typeof realtimeQuality>) {
    return realtimeQuality(this.ctx, input);
  }
  usage(input: Input<typeof historyUsage>) {
    return historyUsage(this.ctx, input);
  }
  scale(input: Input<typeof historyScale>) {
    return historyScale(this.ctx, input);
  }
  quality(input: Input<typeof historyQuality>) {
    return historyQuality(this.ctx, input);
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}
