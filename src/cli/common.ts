/** What every `rtcflow` command shares: option parsers, output, the client connection, status and stop. */
import { Command, InvalidArgumentError } from 'commander';
import { msToNumber } from '@temporalio/common/lib/time';
import { RtcflowClient } from '../client';
import { temporalSettingsFromEnv } from '../temporal/connection';
import { InvalidInputError } from '../errors';
import type { InputChecks } from '../client/sessions';
import { PUBLIC_INPUT_POLICY, TEST_INPUT_POLICY } from '../schemas/policy';
import { loadConfig, type Config } from '../config';

export function duration(v: string): number {
  try {
    return msToNumber(/^\d+$/.test(v) ? Number(v) : (v as `${number}s`));
  } catch {
    throw new InvalidArgumentError('expected a duration such as 30s, 2m or milliseconds');
  }
}
export function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function number(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}
/** a repeatable option: every occurrence is kept, in order */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}
export function out(json: boolean, value: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(value) : human());
}

/** The input checks of the CLI: the public policy, or the test policy when RTCFLOW_TEST_HOOKS=1 (tests against the emulator). */
export function cliInputChecks(): InputChecks {
  return { inputPolicy: ['1', 'true'].includes(process.env.RTCFLOW_TEST_HOOKS ?? '') ? TEST_INPUT_POLICY : PUBLIC_INPUT_POLICY };
}

export async function withClient<T>(fn: (c: RtcflowClient) => Promise<T>): Promise<T> {
  // TEMPORAL_* (address, namespace, TLS, client certificate, API key) through the one builder, src/temporal/connection.ts
  const settings = temporalSettingsFromEnv(process.env);
  const client = await RtcflowClient.connect({
    connection: settings,
    address: settings.address ?? `127.0.0.1:${process.env.TEMPORAL_PORT ?? 7233}`,
    inputPolicy: cliInputChecks().inputPolicy,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** What `status` and `stop` need of a session kind. */
export interface StatusAndStop<S, R> {
  status(id: string): Promise<S>;
  stop(id: string, reason?: string): Promise<R>;
}

/**
 * `<cmd> status <id>` and `<cmd> stop <id> [--reason]`, each with `--json`; the kind says how its
 * status and result read.
 */
export function statusAndStop<S, R>(
  cmd: Command,
  kind: (c: RtcflowClient) => StatusAndStop<S, R>,
  o: { status: string; stop: string; describeStatus: (id: string, s: S) => string; describeResult: (id: string, r: R) => string },
): void {
  cmd
    .command('status <id>')
    .description(o.status)
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts) => {
      const s = await withClient((c) => kind(c).status(id));
      out(!!opts.json, { id, ...s }, () => o.describeStatus(id, s));
    });
  cmd
    .command('stop <id>')
    .description(o.stop)
    .option('--reason <text>', 'why it is stopped', 'stopped from the CLI')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts) => {
      const r = await withClient((c) => kind(c).stop(id, opts.reason));
      out(!!opts.json, { id, ...r }, () => o.describeResult(id, r));
    });
}

/** A `--<name> <json>` option's value, or InvalidInputError. */
export function jsonOption(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError(`--${name} is not JSON`);
  }
}

/**
 * The configuration the CLI's management calls use (SparkRTC admin, transcoder templates): the worker's,
 * with the emulator's account when RTCFLOW_EMULATOR_URL is set (as `npm run worker` does; loaded only then).
 */
export function adminConfig(): Config {
  const emulator = process.env.RTCFLOW_EMULATOR_URL
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS CLI (bin/rtcflow.js) loads it on demand
      (require('../../emulator/defaults') as typeof import('../../emulator/defaults')).EMULATOR_ACCOUNT
    : undefined;
  return loadConfig(process.env, { emulator });
}
