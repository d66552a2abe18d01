/**
 * The `rtcflow` command.
 *   rtcflow record start --channel <name> [--mode mix|individual|web] [--json]
 *   rtcflow record status <id> [--json]
 *   rtcflow record stop <id> [--reason text] [--json]
 *   rtcflow record layout <id> --layout '<json>' [--json]
 *   rtcflow record start --vendor sparkrtc --kind mix|single --channel <room> --rule <ruleId> [--user <id> --video camera|screen|audio]
 *                        [--encode-template 1280*720_15_2260 --layout '<json>'] [--json]   (status/stop/layout as above)
 *   rtcflow sparkrtc rules|auto-record|callback|room|job-rule ...   SparkRTC management (./sparkrtc.ts)
 *   rtcflow stt start --channel <name> --language en-US [--language ja-JP] [--version 7|6] [--json]
 *   rtcflow stt status <id> [--json]
 *   rtcflow stt update <id> [--language …] [--uid …] [--translate en-US:fr-FR,de-DE | --no-translate] [--json]
 *   rtcflow stt stop <id> [--reason text] [--json]
 *   rtcflow relay start --channel <name> --region na --rtmp-url rtmp://… (--transcoding '<json>' | --raw-uid N) [--json]
 *   rtcflow relay status|stop <id> [--json] · rtcflow relay update <id> [--rtmp-url …] [--transcoding '<json>'] [--json]
 *   rtcflow ingest start --channel <name> --uid <uid> [--region na] [--expires-after S] [--template id] [--json]
 *   rtcflow ingest status|stop <id> [--json]   ·   rtcflow ingest update <id> [--mute-audio|--unmute-audio] [--mute-video|--unmute-video] [--json]
 *   rtcflow pull start --channel <name> --url <stream url> --region na [--restart-on-failure] [--json]
 *   rtcflow pull status|stop <id> [--json] · rtcflow pull update <id> [--url …] [--pause|--resume] [--volume N] [--seek S] [--json]
 *   rtcflow ban add (--channel <name> [--uid N] | --uid N | --ip A) [--privileges join_channel,…] [--duration 15m] [--json]
 *   rtcflow ban ls|status <id>|lift <id> [--json] · rtcflow ban extend <id> (--by 10m | --ends-in 30m) [--json]
 *   rtcflow whiteboard convert --resource <url> [--type static|dynamic] [--wait] [--json] · whiteboard status|wait|stop <id>
 *   rtcflow whiteboard room create|get|ban|unban|scenes|screenshot|token …   whiteboard rooms (./whiteboard.ts)
 *   rtcflow api-key show | new [--id name] [--profile p]…   keys of the HTTP API (./api-key.ts)
 *   rtcflow ls [--product p] [--vendor v] [--channel c] [--phase p] [--all] [--json]   sessions of every kind (./ls.ts)
 *   rtcflow status <id> [--json] · rtcflow watch <id> [--interval 1s] [--json]   any session (watch: exit 0 completed, 1 failed)
 *   rtcflow console projects|project …|signkey …|usage --from D [--to D] [--business b]   Agora Console API (./console.ts); rtcflow iot activate
 *   rtcflow analytics calls|call <id>|quality|usage|realtime …   Agora Analytics reports (./analytics.ts)
 *   rtcflow sparkrtc stats rooms|usage|quality|realtime …   SparkRTC statistics (./sparkrtc-stats.ts)
 *   rtcflow signaling send|events ...   Agora Signaling (RTM) REST (./signaling.ts)
 *   rtcflow classroom create|state|record|kick|props|events|widget ...   Agora Flexible Classroom (./classroom.ts)
 *   rtcflow usage --from D [--to D] [--profile p] [--json]   the sessions' cost ledger beside the Console usage (./usage.ts)
 * Each product's commands live in their own module (./record.ts, ./stt.ts, ...); ./common.ts has what
 * they share (option parsers, --json output, status and stop).
 * Exit codes: 0 done, 2 invalid input (nothing was sent), 3 no such session, 1 anything else.
 * (`rtcflow emulator ...` is the emulator's own entry, emulator/main.ts: bin/rtcflow.js dispatches it.)
 */
import { Command } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { InvalidInputError } from '../errors';
import { registerRecordCommands } from './record';
import { registerSttCommands } from './stt';
import { registerSparkRtcCommands } from './sparkrtc';
import { registerRelayCommands } from './relay';
import { registerIngestCommands } from './ingest';
import { registerPullCommands } from './pull';
import { registerTranscoderCommands } from './transcoder';
import { registerBanCommands } from './ban';
import { registerWhiteboardCommands } from './whiteboard';
import { registerApiKeyCommands } from './api-key';
import { registerSessionCommands } from './ls';
import { registerConsoleCommands } from './console';
import { registerAnalyticsCommands } from './analytics';
import { registerSparkRtcStatsCommands } from './sparkrtc-stats';
import { registerSignalingCommands } from './signaling';
import { registerClassroomCommands } from './classroom';
import { registerUsageCommands } from './usage';

const program = new Command('rtcflow').description('durable orchestration of cloud RTC sessions on Temporal');

registerRecordCommands(program);
registerSttCommands(program);
registerSparkRtcCommands(program);
registerRelayCommands(program);
registerIngestCommands(program);
registerPullCommands(program);
registerTranscoderCommands(program);
registerBanCommands(program);
registerWhiteboardCommands(program);
registerApiKeyCommands(program);
registerSessionCommands(program);
registerConsoleCommands(program);
registerAnalyticsCommands(program);
registerSparkRtcStatsCommands(program);
registerSignalingCommands(program);
registerClassroomCommands(program);
registerUsageCommands(program);

// `rtcflow emulator` is dispatched by bin/rtcflow.js to emulator/main.ts before this program loads
program.addHelpText('after', '\nThe vendor emulator: rtcflow emulator --help');

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof InvalidInputError) {
    console.error(`rtcflow: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof WorkflowNotFoundError) {
    console.error(`rtcflow: no such session: ${err.workflowId || err.message}`);
    process.exit(3);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    console.error(`rtcflow: refused: ${err.cause?.message ?? err.message}`);
    process.exit(1);
  }
  console.error(`rtcflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
