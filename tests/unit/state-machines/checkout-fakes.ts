// Fake effects for the checkout machine tests: an in-memory catalog and promise actors whose
// calls are recorded and, when asked, held until the test settles them.
import { fromPromise } from 'xstate';
import type { CartItemInput } from '../../../src/domain/cart.ts';
import type { TaxClass } from '../../../src/domain/tax-class.ts';
import { checkoutMachine } from '../../../state-machines/checkout.machine.ts';
import type {
  CancelInput,
  CheckoutInput,
  CommitInput,
  CommitOutput,
  LookupInput,
  LookupResult,
  SearchHit,
  ReceiptInput,
  ReceiptOutput,
} from '../../../state-machines/checkout.machine.ts';

export const VAT13: TaxClass = { id: 'standard', label: 'VAT 13%', rateBps: 1300, inclusive: true };

export const CATALOG: Record<string, { sku: string; price: number; name: string; unit: 'each' | 'kg' }> = {
  '6901234567892': { sku: 'COLA', price: 350, name: 'Cola', unit: 'each' },
  '6909876543210': { sku: 'RICE', price: 8888, name: 'Rice 5kg', unit: 'each' },
  BANANA: { sku: 'BANANA', price: 698, name: 'Bananas', unit: 'kg' },
};

export function catalogItem(sku: string, source: string, quantityMilli?: number): CartItemInput | null {
  const p = Object.values(CATALOG).find((x) => x.sku === sku);
  if (!p) return null;
  return {
    product: { sku: p.sku, nameZh: p.name, nameEn: p.name, price: { amount: p.price, currency: 'CNY' }, unit: p.unit, taxClass: 'standard' },
    taxClass: VAT13,
    ...(quantityMilli !== undefined ? { quantityMilli } : {}),
    source,
    lang: 'en',
  };
}

export function lookup(input: LookupInput): LookupResult {
  const sku = input.sku ?? (input.data !== undefined ? CATALOG[input.data]?.sku : undefined);
  const item = sku ? catalogItem(sku, input.data ?? 'search', input.quantityMilli) : null;
  return item ? { ok: true, item } : { ok: false, error: `unknown barcode ${input.data ?? input.sku}` };
}

export const INPUT: CheckoutInput = {
  terminal: { terminalId: 'T1', cashier: 'alice', lang: 'en', currency: 'CNY', training: false },
  rounding: { step: 10, mode: 'half-up' },
};

type Name = 'lookupItem' | 'searchCatalog' | 'commitSale' | 'printReceipt' | 'journalCancel';

interface Held {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  input: unknown;
}

/**
 * Records every call; `hold` names effects whose promises wait for settle()/fail() instead of
 * answering at once; `fail` names effects that reject at once.
 */
export function fakes(options: { hold?: Name[]; fail?: Partial<Record<Name, string>>; receiptNo?: number } = {}) {
  const calls: Record<Name, unknown[]> = { lookupItem: [], searchCatalog: [], commitSale: [], printReceipt: [], journalCancel: [] };
  const held = new Map<Name, Held>();
  let receiptNo = options.receiptNo ?? 1;
  const run = <T>(name: Name, input: unknown, answer: () => T): Promise<T> => {
    calls[name].push(input);
    const failure = options.fail?.[name];
    if (failure !== undefined) return Promise.reject(new Error(failure));
    if (options.hold?.includes(name)) {
      return new Promise<T>((resolve, reject) => held.set(name, { resolve: resolve as (v: unknown) => void, reject, input }));
    }
    return Promise.resolve(answer());
  };
  const actors = {
    lookupItem: fromPromise<LookupResult, LookupInput>(({ input }) => run('lookupItem', input, () => lookup(input))),
    searchCatalog: fromPromise<SearchHit[], { query: string }>(({ input }) =>
      run('searchCatalog', input, () =>
        Object.values(CATALOG)
          .filter((p) => p.name.toLowerCase().includes(input.query.toLowerCase()))
          .map((p) => ({ sku: p.sku, name: p.name, price: p.price, unit: p.unit })),
      ),
    ),
    commitSale: fromPromise<CommitOutput, CommitInput>(({ input }) => run('commitSale', input, () => ({ receiptNo: receiptNo++ }))),
    printReceipt: fromPromise<ReceiptOutput, ReceiptInput>(({ input }) => run('printReceipt', input, (): ReceiptOutput => ({ status: input.deferred ? 'deferred' : 'printed' }))),
    journalCancel: fromPromise<void, CancelInput>(({ input }) => run('journalCancel', input, () => undefined)),
  };
  return {
    machine: checkoutMachine.provide({ actors }),
    calls,
    held,
    settle(name: Name, value?: unknown) {
      const h = held.get(name);
      if (!h) throw new Error(`${name} is not being held`);
      held.delete(name);
      h.resolve(value);
    },
    failHeld(name: Name, message: string) {
      const h = held.get(name);
      if (!h) throw new Error(`${name} is not being held`);
      held.delete(name);
      h.reject(new Error(message));
    },
  };
}

/** Lets pending promise reactions (fake effects answering) run. */
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));
