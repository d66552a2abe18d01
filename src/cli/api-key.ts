/**
 * `rtcflow api-key`: the HTTP API's keys.
 *   rtcflow api-key show                          this run's local key (`npm start` writes it to <data dir>/api-key)
 *   rtcflow api-key new [--id name] [--profile p]… a new key: the key once, and the entry to configure
 *                                                 (RTCFLOW_API_KEYS holds hashes, never keys)
 */
import type { Command } from 'commander';
import { hashApiKey, localApiKeyPath, newApiKey, readLocalApiKey, type ApiKeyEntry } from '../api/auth';
import { collect } from './common';

export function registerApiKeyCommands(program: Command): void {
  const cmd = program.command('api-key').description('keys of the HTTP API (Authorization: Bearer <key>)');
  cmd
    .command('show')
    .description('print the local key `npm start` made for this run')
    .action(() => {
      const dataDir = process.env.RTCFLOW_DATA_DIR || '.data';
      const key = readLocalApiKey(dataDir);
      if (!key) {
        console.error(`rtcflow: no local API key in ${localApiKeyPath(dataDir)} (is \`npm start\` running without RTCFLOW_API_KEYS?)`);
        process.exit(1);
      }
      console.log(key);
    });
  cmd
    .command('new')
    .description('make a key: prints it once, with the RTCFLOW_API_KEYS entry (its hash) to configure')
    .option('--id <name>', 'names the key in logs', 'app')
    .option('--profile <name>', 'a profile (tenant) the key may use; repeatable (default: all)', collect, [])
    .action((opts: { id: string; profile: string[] }) => {
      const key = newApiKey();
      const entry: ApiKeyEntry = { id: opts.id, sha256: hashApiKey(key), profiles: opts.profile.length ? opts.profile : ['*'] };
      console.log(JSON.stringify({ key, entry }, null, 2));
    });
}
