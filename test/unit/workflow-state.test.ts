/**
 * Workflow modules are evaluated once per worker and shared by every workflow it runs
 * (src/temporal/workflow-bundle.ts, preloadModules), so nothing at a module's top level may change after it
 * is evaluated: a `let` there, or a collection a function adds to, would be one value for every session on
 * the worker. Per-workflow state goes through workflows/lib/local.ts. This reads every module the bundle
 * takes from workflows/ and src/ (the vendor meanings) and refuses top-level `let`/`var`, collections or
 * literals whose type lets them change, calls other than definitions and activity proxies, static class
 * members and top-level blocks. (src/workflow-schemas.ts is shared too: see its own header.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** collections a module may hold when typed read-only (the SDK's freeze does not reach inside a Map or Set) */
const READONLY_COLLECTION: Record<string, RegExp> = { Set: /^ReadonlySet</, Map: /^ReadonlyMap</ };
/** the calls a module may make at its top level: definitions and activity proxies, none of which keeps state */
const TOP_LEVEL_CALLS = /^(define(Signal|Query|Update|SearchAttributeKey)|activitiesOf|proxy(Local)?Activities|Object\.values)$/;

/** Why a top-level declaration could hold state that changes, or undefined when it cannot. */
function mutableState(decl: ts.VariableDeclaration, isConst: boolean, sf: ts.SourceFile, exported = false): string | undefined {
  if (!isConst) return 'a top-level let/var';
  let init = decl.initializer;
  if (!init) return undefined;
  const type = decl.type?.getText(sf) ?? '';
  const readonlyType = /^(Readonly|readonly )/.test(type);
  let asConst = false;
  while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) {
    if (ts.isAsExpression(init) && init.type.getText(sf) === 'const') asConst = true;
    init = init.expression;
  }
  if (ts.isNewExpression(init)) {
    const made = init.expression.getText(sf);
    return READONLY_COLLECTION[made]?.test(type) ? undefined : `a new ${made} (only a Set or Map typed ReadonlySet/ReadonlyMap)`;
  }
  if (ts.isCallExpression(init) && !TOP_LEVEL_CALLS.test(init.expression.getText(sf))) return `a call to ${init.expression.getText(sf)} (what it returns may keep state)`;
  // what a shared module exports the SDK deep-freezes (not the insides of a Map or Set)
  if ((ts.isArrayLiteralExpression(init) || ts.isObjectLiteralExpression(init)) && !asConst && !readonlyType && !exported)
    return 'a literal typed as changeable (`as const` or a Readonly type)';
  return undefined;
}

describe('workflow modules keep no state of their own', () => {
  const files = [...sources(join(ROOT, 'workflows')), ...sources(join(ROOT, 'src', 'agora', 'meanings')), join(ROOT, 'src', 'sparkrtc', 'meanings.ts')];

  it('reads the modules the bundle takes', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('declares no top-level let/var, changeable collection or literal, stateful call, static member or block', () => {
    const offenders = files.flatMap((file) => {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const where = (n: ts.Node) => `${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
      return sf.statements.flatMap((st): string[] => {
        if (ts.isBlock(st)) return [`${where(st)}: a top-level block`];
        if (ts.isClassDeclaration(st)) {
          return st.members
            .filter((m) => ts.isClassStaticBlockDeclaration(m) || (ts.isPropertyDeclaration(m) && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)))
            .map((m) => `${where(m)}: a static member of ${st.name?.getText(sf) ?? 'a class'}`);
        }
        if (!ts.isVariableStatement(st)) return [];
        const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
        const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
        return st.declarationList.declarations.flatMap((d) => {
          const why = mutableState(d, isConst, sf, exported);
          return why ? [`${where(d)} ${d.name.getText(sf)}: ${why}`] : [];
        });
      });
    });
    expect(offenders).toEqual([]);
  });

  it('finds what it looks for', () => {
    const code = [
      'let a = 0;',
      'const b = new Map();',
      'const c = [];',
      'const d = { x: 1 };',
      'const e = [1] as const;',
      'const f: ReadonlySet<number> = new Set();',
      'const g: Readonly<Map<string, number>> = new Map();',
      'const h = new Trigger();',
      'const i = makeQueue();',
      "const j = defineSignal('x');",
    ].join('\n');
    const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true);
    const found = sf.statements
      .filter(ts.isVariableStatement)
      .map((st) => mutableState(st.declarationList.declarations[0]!, (st.declarationList.flags & ts.NodeFlags.Const) !== 0, sf) !== undefined);
    expect(found).toEqual([true, true, true, true, false, false, true, true, true, false]);
  });
});
