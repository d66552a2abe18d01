// ESLint (flat config) with typescript-eslint. Formatting is Prettier's (.prettierrc.json); this file
// checks what a formatter cannot: floating promises, and that workflow code stays deterministic.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries. */
const workflowRestrictions = {
  paths: [
    ...builtinModules.map((name) => ({ name, message: 'no Node built-ins in workflow code (Temporal sandbox)' })),
    ...['undici', 'fastify', 'commander', 'agora-token', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'].map((name) => ({
      name,
      message: 'workflow code must stay deterministic: no I/O (call an activity instead)',
    })),
  ],
  patterns: [
    { group: ['node:*'], message: 'no Node built-ins in workflow code (Temporal sandbox)' },
    {
      // activities and vendor clients do I/O: a workflow may import their types only
      group: [
        '**/activities/*',
        '**/src/http/client',
        '**/src/agora/http',
        '**/src/agora/cloud-recording',
        '**/src/agora/stt',
        '**/src/agora/token',
        '**/src/config',
        '**/src/api/*',
        '**/src/client',
        '**/src/cli/*',
        '**/emulator/*',
        '**/src/temporal/*',
      ],
      allowTypeImports: true,
      message: 'workflow code may import only types from modules that do I/O (call an activity instead)',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'dist/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', workflowRestrictions],
    },
  },
  prettier,
);
