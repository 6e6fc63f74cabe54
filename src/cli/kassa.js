#!/usr/bin/env node
// The `kassa` command. The sources are TypeScript run through tsx, so there is no
// build step between `npm install` and `npx kassa`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
