import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Domain code stays pure: no I/O libraries in these folders (adapters live beside them in */adapters or at the edges).
const pureDomains = ['server/ivr/engine/**', 'server/routing/policy/**', 'server/reports/formulas/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'web-agent/dist/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: pureDomains,
    rules: {
      'no-restricted-imports': ['error', { paths: ['pg', 'ioredis', 'express', 'bullmq', 'drachtio-modesl', 'node:net'].map((name) => ({ name, message: 'domain code is pure: do I/O in an adapter' })) }],
    },
  },
  {
    // Tests read JSON responses; typing every body would add noise, not safety. Floating promises stay errors.
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
