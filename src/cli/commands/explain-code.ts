// `kassa explain-code <data>`: what classifyScan() makes of a scan, with the store's rules.
import type { Command } from 'commander';
import { explainScan, formatExplanation } from '../../domain/barcodes/explain.ts';
import { configOf, printJson } from '../context.ts';

export function registerExplainCode(program: Command): void {
  program
    .command('explain-code')
    .description('show what a scanned code is: kind, GTIN, embedded weight or price, check digit, reason')
    .argument('<data>', 'the scanned data, e.g. 6901234567892, "(01)09501101530003(3103)000455" or an AIM-prefixed "]E06901234567892"')
    .option('--json', 'print the explanation as JSON')
    .addHelpText('after', '\nThe store\'s scan rules (embedded layouts, coupon and member prefixes) come from kassa.config.json.')
    .action(function (this: Command, data: string, opts: { json?: boolean }) {
      const { config } = configOf(this);
      const explanation = explainScan(data, config.scan, config.currency);
      if (opts.json) printJson(explanation);
      else process.stdout.write(`${formatExplanation(explanation)}\n`);
      // An unknown code is an answer, not a failure, but scripts can tell from the exit code.
      if (explanation.kind === 'unknown') process.exitCode = 3;
    });
}
