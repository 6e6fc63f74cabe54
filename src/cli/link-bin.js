#!/usr/bin/env node
// npm links the bins of dependencies into node_modules/.bin, never the project's own; this
// postinstall step links `kassa` there too, so `npx kassa …` runs this checkout's command
// (and never fetches an unrelated package of that name from the registry).
import { chmodSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binDir = join(root, 'node_modules', '.bin');
const target = join(root, 'src', 'cli', 'kassa.js');
const link = join(binDir, 'kassa');
mkdirSync(binDir, { recursive: true });
try {
  lstatSync(link);
  unlinkSync(link);
} catch {
  // no previous link
}
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
