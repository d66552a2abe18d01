/** SparkRTC applications (sparkrtc.md §11). Pure zod. */
import { z } from 'zod';
import { AppCallbackUrl } from './callbacks';
import { AppAutoRecordMode } from './auto-record';

export const APP_STATES = ['ACTIVATION', 'DEACTIVATION', 'ARREARS', 'DELETED'] as const;
export type AppStateName = (typeof APP_STATES)[number];
/** the default app quota of a tenant (RTC.00001017) */
export const DEFAULT_APP_QUOTA = 20;

export const CreateAppRequest = z.strictObject({ app_name: z.string().min(1, 'app_name is empty').max(128) });
export type CreateAppRequest = z.infer<typeof CreateAppRequest>;

export const ListAppsQuery = z.strictObject({
  state: z.enum(['ACTIVATION', 'DEACTIVATION', 'ARREARS']).optional(),
  /** the page number (§11) */
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(100).optional(),
});
export type ListAppsQuery = z.infer<typeof ListAppsQuery>;

export const AppState = z.looseObject({ state: z.string(), update_time: z.string().optional() });

export const App = z.looseObject({
  app_id: z.string(),
  app_name: z.string().optional(),
  state: AppState.optional(),
  scope: z.string().optional(),
  tenant_name: z.string().optional(),
  domain: z.string().optional(),
  create_time: z.string().optional(),
  /** app_key is a secret: redact before it leaves the activity */
  authentication: z.looseObject({ enable: z.boolean().optional(), expire: z.number().optional(), app_key: z.string().optional(), update_time: z.string().optional() }).optional(),
  callbacks: z.looseObject({ push_callback: AppCallbackUrl.nullish(), record_callback: AppCallbackUrl.nullish() }).optional(),
  auto_record_mode: AppAutoRecordMode.optional(),
});
export type App = z.infer<typeof App>;

export const CreateAppResponse = z.looseObject({ app_id: z.string().min(1) });
export const AppList = z.looseObject({
  count: z.number().optional(),
  apps: z
    .array(App)
    .nullish()
    .transform((a) => a ?? []),
});
export type AppList = z.infer<typeof AppList>;
export const AppStateResponse = z.looseObject({ app_id: z.string().optional(), state: AppState });

/** A copy of an app with its secrets (app_key, callback auth keys) masked. */
export function redactApp(app: App): App {
  const mask = (s: string | undefined) => (s ? '***' : s);
  return {
    ...app,
    ...(app.authentication ? { authentication: { ...app.authentication, app_key: mask(app.authentication.app_key) } } : {}),
    ...(app.callbacks
      ? {
          callbacks: {
            ...app.callbacks,
            ...(app.callbacks.record_callback ? { record_callback: { ...app.callbacks.record_callback, auth_key: mask(app.callbacks.record_callback.auth_key) } } : {}),
            ...(app.callbacks.push_callback ? { push_callback: { ...app.callbacks.push_callback, auth_key: mask(app.callbacks.push_callback.auth_key) } } : {}),
          },
        }
      : {}),
  };
}
