/** SparkRTC automatic recording configuration (sparkrtc.md §6). Pure zod. */
import { z } from 'zod';

export const AUTO_RECORD_MODES = ['AUTO_RECORD_OFF', 'AUTO_INDIVIDUAL_RECORD'] as const;
export type AutoRecordModeName = (typeof AUTO_RECORD_MODES)[number];

/** PUT /v2/apps/{app_id}/auto-record-mode: a full replacement. */
export const AutoRecordRequest = z
  .strictObject({
    mode: z.enum(AUTO_RECORD_MODES),
    record_rule_id: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'AUTO_INDIVIDUAL_RECORD' && !r.record_rule_id) {
      ctx.addIssue({ code: 'custom', path: ['record_rule_id'], message: 'record_rule_id is required with AUTO_INDIVIDUAL_RECORD', params: { rtc: 'RTC.00001005' } });
    }
  });
export type AutoRecordRequest = z.infer<typeof AutoRecordRequest>;

export const AppAutoRecordMode = z.looseObject({
  mode: z.string().optional(),
  record_rule_id: z.string().optional(),
  update_time: z.string().optional(),
});

export const AutoRecordConfig = z.looseObject({
  app_id: z.string().optional(),
  auto_record_mode: AppAutoRecordMode.optional(),
});
export type AutoRecordConfig = z.infer<typeof AutoRecordConfig>;
