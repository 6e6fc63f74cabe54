// The `kassa` command: one commander program, one file per command under commands/.
// Errors the user can act on (bad input, bad config, a newer database) print one clear
// message and exit 1; usage mistakes exit 2; anything else is a bug and shows its stack.
import { Command, CommanderError, Option } from 'commander';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerDevices } from './commands/devices.ts';
import { registerExplainCode } from './commands/explain-code.ts';
import { registerPayments } from './commands/payments.ts';
import { registerReconcile } from './commands/reconcile.ts';
import { registerReceipts } from './commands/receipts.ts';
import { registerRefund } from './commands/refund.ts';
import { registerReport } from './commands/report.ts';
import { registerSalesCommands } from './commands/sales.ts';
import { registerShift } from './commands/shift.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerServe } from './commands/serve.ts';
import { registerSim } from './commands/sim.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerStart } from './commands/start.ts';
import { registerSync } from './commands/sync.ts';
import { registerStoreServer } from './commands/store-server.ts';
import { registerTrain } from './commands/train.ts';
import { registerUsers } from './commands/users.ts';
import { isUserError } from './errors.ts';
import pkg from '../../package.json' with { type: 'json' };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('kassa')
    .description('Kassa point-of-sale terminal: catalog, sales, simulation and checks from the command line.')
    .version(pkg.version)
    .addOption(
      new Option('--data-dir <dir>', 'terminal data folder (default: $KASSA_DATA_DIR, else $XDG_DATA_HOME/kassa or ~/.local/share/kassa)'),
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerCatalogCommands(program);
  registerExplainCode(program);
  registerSimulate(program);
  registerSalesCommands(program);
  registerShift(program);
  registerReceipts(program);
  registerPayments(program);
  registerReconcile(program);
  registerRefund(program);
  registerReport(program);
  registerDevices(program);
  registerSim(program);
  registerSandbox(program);
  registerTrain(program);
  registerStart(program);
  registerServe(program);
  registerSync(program);
  registerStoreServer(program);
  registerUsers(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof Error && err.name === 'UsageError') {
      process.stderr.write(`kassa: ${err.message}\n`);
      return 2;
    }
    if (isUserError(err)) {
      process.stderr.write(`kassa: ${(err as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`kassa: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}
