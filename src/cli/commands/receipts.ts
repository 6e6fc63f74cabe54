// `kassa receipts`: every receipt that has not been confirmed printed (deferred for want of
// paper, cut short, sent but unconfirmed, failed), and `reprint` to print one again, marked as a
// reprint and journalled.
import type { Command } from 'commander';
import { listUnprinted } from '../../core/db/receipt-prints.ts';
import { DeviceManager } from '../../core/devices/device-manager.ts';
import { ReceiptService } from '../../core/receipt-service.ts';
import { openExistingDatabase, openTerminal } from '../../core/runtime.ts';
import { configOf, dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';

export function registerReceipts(program: Command): void {
  const receipts = program
    .command('receipts')
    .description('list receipts not confirmed printed (they stay listed until they print)')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', '\nSubcommand: reprint <receipt-no>.')
    .action(function (this: Command, opts: { json?: boolean }) {
      const { config } = configOf(this);
      const db = openExistingDatabase(dataDirOf(this), { readonly: true });
      try {
        const rows = listUnprinted(db, config.terminalId);
        if (opts.json) {
          printJson(rows);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('every receipt is printed\n');
          return;
        }
        process.stdout.write(`${rows.length} receipt(s) not printed:\n`);
        for (const r of rows) {
          const no = `${r.terminalId}-${String(r.receiptNo).padStart(6, '0')}`;
          process.stdout.write(`  ${no}  ${r.status.padEnd(12)} ${r.updatedAt}  ${r.detail ?? ''}\n`);
        }
        process.stdout.write('reprint one with: kassa receipts reprint <receipt-no>\n');
      } finally {
        db.close();
      }
    });

  receipts
    .command('reprint <receipt-no>')
    .description('print a receipt again on the configured printer, marked REPRINT and journalled')
    .option('--wait <ms>', 'how long to wait for the printer to connect', '5000')
    .action(async function (this: Command, receiptNo: string, opts: { wait: string }) {
      const no = parsePositiveInt(receiptNo.replace(/^[A-Za-z0-9]+-/, ''), 'the receipt number');
      const wait = parsePositiveInt(opts.wait, '--wait', 60_000);
      const { paths, config } = configOf(this);
      const printer = config.devices.find((d) => d.type === 'printer');
      if (!printer) throw new UsageError('no receipt printer is configured: add one to the "devices" block of kassa.config.json');
      const terminal = await openTerminal(paths);
      const devices = new DeviceManager({ config: terminal.config, db: terminal.db, logger: terminal.logger });
      try {
        devices.start();
        const service = new ReceiptService({ db: terminal.db, config: terminal.config, logger: terminal.logger, printer: devices.receiptPrinter });
        await devices.whenReady(printer.id, wait);
        const out = await service.reprint({ receiptNo: no });
        const label = `${config.terminalId}-${String(no).padStart(6, '0')}`;
        if (out.status === 'printed') process.stdout.write(`receipt ${label} reprinted (confirmed by the printer)\n`);
        else {
          process.stdout.write(`receipt ${label} was not printed: ${out.status}${out.detail ? ` (${out.detail})` : ''}; it stays listed\n`);
          process.exitCode = 1;
        }
      } finally {
        await devices.stop();
        await terminal.close();
      }
    });
}
