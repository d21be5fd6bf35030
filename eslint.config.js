import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/dist-bench/**',
      '**/node_modules/**',
      '**/test-results/**',
      '**/playwright-report/**',
      'examples/*/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['apps/console/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The protocol package is shared by browser and Node: no I/O of any kind.
    files: ['packages/protocol/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*'],
              message: 'protocol is pure: no Node built-ins.',
            },
            { group: ['ws'], message: 'protocol is pure: no sockets.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'WebSocket', message: 'protocol is pure: no sockets.' },
        { name: 'fetch', message: 'protocol is pure: no I/O.' },
        { name: 'process', message: 'protocol is pure: no Node globals.' },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The walkthrough's examples and scripts are plain JavaScript run by Node 20.
    files: ['docs/learn/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'Buffer',
          'URL',
          'console',
          'clearInterval',
          'clearTimeout',
          'performance',
          'process',
          'setInterval',
          'setTimeout',
          'TextDecoder',
          'TextEncoder',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  prettier,
)
