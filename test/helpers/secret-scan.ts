/**
 * The history secret scan: every workflow history on the test server, searched for every secret the
 * tests configure (the emulator's demo accounts, the second tenant, NCS and callback secrets). A secret in
 * a history is a leak: workflow histories are stored, replicated and shown in the UI.
 */
import type { Client } from '@temporalio/client';
import { EMULATOR_AGORA, EMULATOR_SPARKRTC, EMULATOR_STORAGE, EMULATOR_WHITEBOARD } from '../../emulator/defaults';
import { TENANT_B } from './emulator';
import { textOf } from './history';

/** The NCS secret the session harness wires the emulator and the receiver with. */
export const NCS_SECRET = 'test-ncs-secret';

/** Every secret the test suite configures anywhere. */
export function configuredSecrets(): string[] {
  return [
    EMULATOR_AGORA.appCertificate,
    EMULATOR_AGORA.customerSecret,
    EMULATOR_STORAGE.accessKey,
    EMULATOR_STORAGE.secretKey,
    EMULATOR_SPARKRTC.sk,
    EMULATOR_SPARKRTC.iamPassword,
    EMULATOR_WHITEBOARD.secretAccessKey,
    TENANT_B.appCertificate,
    TENANT_B.customerSecret,
    'tb-access-key-123',
    'tb-secret-key-456',
    NCS_SECRET,
    // the application-event signing secrets of test/integration/app-events.test.ts and the recorded histories
    'app-events-test-secret-7d1f0c2a9b',
    'recorded-history-events-secret',
  ].filter((s): s is string => typeof s === 'string' && s.length >= 8);
}

export interface SecretHit {
  workflowId: string;
  runId: string;
  secret: string;
}

/** Histories (every run of every workflow `query` lists) that contain one of `secrets`. */
export async function scanHistories(client: Client, secrets: readonly string[], query?: string): Promise<{ scanned: number; hits: SecretHit[] }> {
  const hits: SecretHit[] = [];
  let scanned = 0;
  for await (const wf of client.workflow.list(query ? { query } : {})) {
    let text: string;
    try {
      text = textOf(await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory());
    } catch {
      continue; // deleted meanwhile
    }
    scanned++;
    for (const secret of secrets) if (text.includes(secret)) hits.push({ workflowId: wf.workflowId, runId: wf.runId, secret: `${secret.slice(0, 3)}…` });
  }
  return { scanned, hits };
}

/** Workflow IDs of the scan's own test, which plants a secret on purpose; the end-of-run scan skips them. */
export const PLANTED_PREFIX = 'secret-scan-planted/';
