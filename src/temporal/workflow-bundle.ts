/**
 * How rtcflow's workflow bundle is made, in one place for the worker (bundling at start), `npm run build`
 * (the prebuilt bundle), the tests and the benchmarks.
 *
 * The bundle is the SDK's (webpack) with two changes, both so that a workflow evaluates no module of its own
 * (the SDK evaluates workflow modules per workflow unless they are preloaded):
 * - the schemas workflows use (src/workflow-schemas.ts, zod inside) are built first into one self-contained
 *   module (esbuild) and put in the bundle in place of src/workflow-schemas (see there for why);
 * - that module, the workflow entry (and through it every lifecycle and the kernel) and the interceptors are
 *   preloaded: evaluated once per worker and shared by every workflow. Per-workflow state lives in
 *   workflows/lib/local.ts; test/unit/workflow-state.test.ts keeps module-level state out of workflows/.
 * Measured (bench/memory-probe.ts, docs/benchmarks.md): a live session holds a third less JS heap (186 → 126 KB).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../../workflows');
/** The workflow interceptors every worker runs (workflows/lib/takeover.ts: no session code inside a takeover's query). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../workflows/lib/takeover')];
const SCHEMAS_ENTRY = require.resolve('../workflow-schemas');
/** how importers spell the module the bundle replaces (any path ending in workflow-schemas; the built file's name does not) */
const SCHEMAS_REQUEST = /(^|[\\/])workflow-schemas(\.ts|\.js)?$/;

let built: string | undefined;

/** Builds src/workflow-schemas (with zod) into one CommonJS file; returns its path (content-addressed, reused). */
export function buildWorkflowSchemas(): string {
  if (built) return built;
  // esbuild ships with tsx in development and is a dependency of the package for workers that bundle at start
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [SCHEMAS_ENTRY],
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['main', 'module'],
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.contents;
  const dir = join(tmpdir(), 'rtcflow-workflow-schemas');
  const file = join(dir, `workflow-schemas-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, code);
  }
  return (built = file);
}

type BundlerOptions = Pick<BundleOptions, 'preloadModules' | 'webpackConfigHook'>;

/** The bundler options that swap in and preload the built schemas (for Worker.create's bundlerOptions too). */
export function workflowBundlerOptions(): BundlerOptions {
  const schemas = buildWorkflowSchemas();
  return {
    // evaluated once per worker and shared by every workflow: the schemas, then every workflow module through
    // the entry and the interceptors (workflows/lib/local.ts keeps what is per workflow)
    preloadModules: [schemas, WORKFLOWS_PATH, ...WORKFLOW_INTERCEPTOR_MODULES],
    webpackConfigHook: (config) => {
      // webpack comes with @temporalio/worker, which runs this hook
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const webpack = require(require.resolve('webpack', { paths: [require.resolve('@temporalio/worker')] })) as typeof import('webpack');
      config.plugins = [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(SCHEMAS_REQUEST, (resource: { request: string }) => {
          resource.request = schemas;
        }),
      ];
      return config;
    },
  };
}

export function bundleWorkflows(logger: BundleOptions['logger']): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, ...workflowBundlerOptions(), logger });
}
