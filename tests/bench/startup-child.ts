// One cold start of the core on a data dir, for the startup benchmark: open the folder (config,
// log, database with its schema check), restore the checkout machine, and answer a first
// barcode lookup. Prints {"readyMs", "rssMb"}.
import { performance } from 'node:perf_hooks';
import { startCheckout } from '../../src/core/checkout-service.ts';
import { CatalogRepository } from '../../src/core/db/catalog.ts';
import { dataPaths } from '../../src/core/paths.ts';
import { openTerminal } from '../../src/core/runtime.ts';
import { demoBarcodeFor } from '../../src/core/demo-data.ts';
import { normalizeBarcode } from '../../src/domain/barcodes/normalize.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: startup-child <data-dir>');
const start = performance.now();
const terminal = await openTerminal(dataPaths(dir));
const service = startCheckout({ db: terminal.db, config: terminal.config, logger: terminal.logger, printer: null });
const products = Number(process.argv[3] ?? 1_000_000);
const key = normalizeBarcode(demoBarcodeFor(Math.floor(products / 2)));
const found = key.ok ? new CatalogRepository(terminal.db).findByBarcode(key.key) : null;
if (!found) throw new Error('the first lookup found nothing');
const readyMs = performance.now() - start;
const rssMb = process.memoryUsage().rss / 2 ** 20;
service.stop();
await terminal.close();
process.stdout.write(`${JSON.stringify({ readyMs, rssMb })}\n`);
