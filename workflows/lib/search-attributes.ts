/**
 * Search attributes every rtcflow workflow sets, so sessions can be found in the Temporal UI
 * (e.g. `RtcChannel = "demo" AND RtcPhase = "recording"`). Registered on the server by
 * src/temporal/dev-server.ts (dev server flags) or ensureSearchAttributes (existing servers).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  vendor: defineSearchAttributeKey('RtcVendor', SearchAttributeType.KEYWORD),
  product: defineSearchAttributeKey('RtcProduct', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('RtcChannel', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('RtcPhase', SearchAttributeType.KEYWORD),
  sid: defineSearchAttributeKey('RtcSid', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
