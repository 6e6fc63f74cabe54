// What every command needs from the global options: the data folder and its config.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadConfig, type KassaConfig } from '../core/config.ts';
import { dataPaths, resolveDataDir, type DataPaths } from '../core/paths.ts';

export function dataDirOf(cmd: Command): DataPaths {
  const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
  return dataPaths(resolveDataDir(opts.dataDir).dir);
}

/** The terminal's config, read without creating anything (defaults when the folder is new). */
export function configOf(cmd: Command): { paths: DataPaths; config: KassaConfig; exists: boolean } {
  const paths = dataDirOf(cmd);
  return { paths, config: loadConfig(paths.config), exists: existsSync(paths.database) };
}

/** Prints a JSON value as one document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
