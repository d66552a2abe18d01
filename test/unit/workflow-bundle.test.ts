/**
 * The workflow bundle stays lean (issue 14): zod and rtcflow's schemas reach workflows only through the one
 * prebuilt, preloaded module (src/workflow-schemas.ts), so no workflow evaluates its own copy of them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { workflowBundle } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');

function modulesOf(code: string): string[] {
  return [...code.matchAll(/\/\*\*\*\/ "([^"]+)"/g)].map((m) => m[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the workflow bundle', () => {
  let modules: string[];
  let code: string;
  beforeAll(async () => {
    const bundle = await workflowBundle();
    code = 'code' in bundle! ? bundle.code : readFileSync(bundle!.codePath, 'utf8');
    modules = modulesOf(code);
  });

  it('holds no zod module and no src/schemas module of its own', () => {
    expect(modules.length).toBeGreaterThan(50); // the module list was read at all
    expect(modules.filter((m) => /node_modules\/zod\/|\/src\/schemas\//.test(m))).toEqual([]);
  });

  it('holds the prebuilt schemas once and preloads them', () => {
    const built = modules.filter((m) => /workflow-schemas-[0-9a-f]{16}\.cjs$/.test(m));
    expect(built).toHaveLength(1);
    expect(modules.some((m) => /src\/workflow-schemas\.ts$/.test(m))).toBe(false);
    // the generated entrypoint's preloadModules() requires it
    expect(code).toMatch(/preloadModules\(\) \{\s*__webpack_require__\([^)]*workflow-schemas-[0-9a-f]{16}\.cjs/);
  });

  it('is fed only through src/workflow-schemas: no workflow imports zod or src/schemas for values', () => {
    const offenders = sources(join(ROOT, 'workflows')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)].map((m) => m[1]!);
      return imports.filter((spec) => spec === 'zod' || /\/src\/schemas\//.test(spec)).map((spec) => `${file.slice(ROOT.length + 1)}: ${spec}`);
    });
    expect(offenders).toEqual([]);
  });
});
