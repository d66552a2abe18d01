/**
 * Workflow modules are evaluated once per worker and shared by every workflow it runs
 * (src/temporal/workflow-bundle.ts, preloadModules), so nothing at a module's top level may change after it
 * is evaluated: a `let` there, or a collection a function adds to, would be one value for every session on
 * the worker. Per-workflow state goes through workflows/lib/local.ts. This reads every module the bundle
 * takes from workflows/ and src/ (the vendor meanings) and refuses top-level `let`/`var` and collections or
 * literals whose type lets them change.
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

const MUTABLE_COLLECTION = /^(Map|Set|WeakMap|WeakSet|Array)$/;

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
  if (ts.isNewExpression(init) && MUTABLE_COLLECTION.test(init.expression.getText(sf)) && !readonlyType)
    return `a ${init.expression.getText(sf)} typed as changeable (give it a Readonly type)`;
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

  it('declares no top-level let/var and no changeable top-level collection or literal', () => {
    const offenders = files.flatMap((file) => {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      return sf.statements.filter(ts.isVariableStatement).flatMap((st) => {
        const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
        const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
        return st.declarationList.declarations.flatMap((d) => {
          const why = mutableState(d, isConst, sf, exported);
          return why ? [`${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(d.getStart()).line + 1} ${d.name.getText(sf)}: ${why}`] : [];
        });
      });
    });
    expect(offenders).toEqual([]);
  });

  it('finds what it looks for', () => {
    const sf = ts.createSourceFile(
      'x.ts',
      'let a = 0; const b = new Map(); const c = []; const d = { x: 1 }; const e = [1] as const; const f: ReadonlySet<number> = new Set();',
      ts.ScriptTarget.ES2022,
      true,
    );
    const found = sf.statements
      .filter(ts.isVariableStatement)
      .map((st) => mutableState(st.declarationList.declarations[0]!, (st.declarationList.flags & ts.NodeFlags.Const) !== 0, sf) !== undefined);
    expect(found).toEqual([true, true, true, true, false, false]);
  });
});
