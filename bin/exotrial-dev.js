#!/usr/bin/env node
// Runs the CLI from the TypeScript sources through tsx: `npm run dev` and the tests, which need no
// build step and always run the code as it is now.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
