// typescript-eslint's recommended rules without type information, so lint stays a few seconds;
// `npm run typecheck` is where the types are checked. Formatting is Prettier's job alone.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'bench/results/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed names mark a parameter kept for its position (Nest hooks, interface methods).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Classes and methods found by reflection at bootstrap are typed `Function`, as Nest types
      // its own metatypes (`InstanceWrapper.metatype`, `Type extends Function`).
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    // Memoized fixtures take arguments only to be keyed by them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }] },
  },
);
