/** SparkRTC room management (sparkrtc.md §10). Pure zod. */
import { z } from 'zod';

/** POST /v2/apps/{app_id}/rooms/{room_id}/batch-remove-users */
export const RemoveUsersRequest = z.strictObject({
  user_ids: z.array(z.string().min(1, 'user id is empty').max(256)).min(1, 'user_ids is empty').max(1000),
});
export type RemoveUsersRequest = z.infer<typeof RemoveUsersRequest>;
