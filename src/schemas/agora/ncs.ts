/** An Agora NCS event as the webhook receiver forwards it to sessions (webhooks.md §1). */
import { z } from 'zod';

export const NcsEvent = z.looseObject({
  noticeId: z.string().min(1),
  /** 3 Cloud Recording, 20 Real-Time STT 7.x, ... */
  productId: z.number().int(),
  eventType: z.number().int(),
  notifyMs: z.number().optional(),
  payload: z.looseObject({
    /** Cloud Recording */
    cname: z.string().optional(),
    sid: z.string().optional(),
    uid: z.string().optional(),
    sequence: z.number().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    /** Real-Time STT 7.x */
    channel: z.string().optional(),
    agent_id: z.string().optional(),
    /**
     * Media Pull (productId 4): the player. A plain object on purpose: only these fields are kept, so the
     * player's RTC token (which the event may echo) never reaches a workflow's history.
     */
    player: z
      .object({ id: z.string().optional(), name: z.string().optional(), channelName: z.string().optional(), status: z.string().optional(), destroyReason: z.string().optional() })
      .optional(),
    /** Media Gateway (productId 10): the channel and host uid the push publishes as */
    rtcInfo: z.looseObject({ channel: z.string().optional(), uid: z.union([z.string(), z.number()]).optional() }).optional(),
    /** Media Push (productId 5): the converter, with its channel in transcodeOptions/rawOptions */
    converter: z
      .looseObject({
        id: z.string().optional(),
        state: z.string().optional(),
        destroyReason: z.string().optional(),
        transcodeOptions: z.looseObject({ rtcChannel: z.string().optional() }).optional(),
        rawOptions: z.looseObject({ rtcChannel: z.string().optional() }).optional(),
      })
      .optional(),
  }),
});
export type NcsEvent = z.infer<typeof NcsEvent>;
