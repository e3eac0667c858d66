#!/usr/bin/env node
// The `almanach-replay` command: runs the TypeScript entry point through tsx, from a checkout, no build step.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');
