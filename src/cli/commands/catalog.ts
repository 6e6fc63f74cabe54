// `kassa import` and `kassa demo-data`: getting a catalog onto the terminal.
import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { IMPORT_COLUMNS } from '../../core/catalog-import.ts';
import { writeDemoCatalog } from '../../core/demo-data.ts';
import { configOf } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';
import { startProgress } from '../progress.ts';
import { parseImportEncoding, runImport } from './import.ts';

const IMPORT_HELP = `
Columns (header row required, any order, names case-insensitive):
  sku         required, 1–64 printable characters, unique in the file
  name_zh     Chinese name  } at least one of the two
  name_en     English name  }
  price       required, decimal in the store currency, e.g. 12.80 (per kg for unit kg)
  unit        each | kg (default each)
  tax_class   one of the tax class ids in kassa.config.json (default: defaultTaxClass)
  department  free text
  active      1/0, true/false, yes/no (default 1)
  barcodes    EAN-13/EAN-8/UPC-A/UPC-E/GTIN-14, 1–7 digit scale PLUs or internal codes,
              several separated by | or ;

The file may be UTF-8 (with or without BOM) or GBK/GB18030; it is detected unless --encoding
is given. A file with any error imports nothing (each error names its line) unless
--skip-invalid is given. Re-importing a SKU updates it.

Example:
  kassa demo-data --products 1000 --out demo.csv && kassa import demo.csv`;

export function registerCatalogCommands(program: Command): void {
  program
    .command('import')
    .description('import a product catalog from a CSV file (atomic: all rows or none)')
    .argument('<file.csv>', 'the catalog file')
    .option('--skip-invalid', 'import the valid rows and list the invalid ones instead of importing nothing')
    .option('--encoding <encoding>', 'auto | utf8 | gbk', parseImportEncoding, 'auto' as const)
    .option('--no-progress', 'do not show the progress bar')
    .addHelpText('after', IMPORT_HELP)
    .action(async function (this: Command, file: string, opts: { skipInvalid?: boolean; encoding: 'auto' | 'utf8' | 'gbk'; progress: boolean }) {
      const { paths, config } = configOf(this);
      // Refuse a missing file before the data folder and database are created for it.
      if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      mkdirSync(paths.dir, { recursive: true });
      process.exitCode = await runImport({
        dbFile: paths.database,
        csvFile: file,
        currency: config.currency,
        taxClasses: config.taxClasses,
        defaultTaxClass: config.defaultTaxClass,
        terminalId: config.terminalId,
        skipInvalid: opts.skipInvalid ?? false,
        encoding: opts.encoding,
        progress: opts.progress && Boolean(process.stderr.isTTY),
      });
    });

  program
    .command('demo-data')
    .description('write a synthetic bilingual catalog CSV (for training and benchmarks)')
    .requiredOption('--products <n>', 'number of products')
    .option('--out <file.csv>', 'write to this file instead of standard output')
    .option('--seed <n>', 'varies names and prices (SKUs and barcodes stay the same)', '1')
    .addHelpText('after', `\nThe file has the columns kassa import reads: ${IMPORT_COLUMNS.join(', ')}.`)
    .action(async function (this: Command, opts: { products: string; out?: string; seed: string }) {
      const products = parsePositiveInt(opts.products, '--products', 10_000_000);
      const seed = parsePositiveInt(opts.seed, '--seed', 2 ** 31);
      const { config } = configOf(this);
      const progress = startProgress({ label: 'writing products', total: products, enabled: opts.out !== undefined });
      const result = await writeDemoCatalog(opts.out ?? process.stdout, {
        products,
        seed,
        currency: config.currency,
        onProgress: (written) => progress.update(written),
      });
      progress.stop();
      if (opts.out) process.stderr.write(`wrote ${result.products} products (${(result.bytes / 1024 / 1024).toFixed(1)} MB) to ${opts.out}\n`);
    });
}
