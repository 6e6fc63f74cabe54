import { describe, expect, it } from 'vitest';
import { commandPermission, LOGIN_FREE, requiredPermission, type GateContext } from '../../../../src/core/api/permission-gate.ts';
import type { CartLineView, CheckoutCommand } from '../../../../src/shared/api.ts';

const line = (lineNo: number, unitPrice: number, quantityMilli = 1000): CartLineView => ({
  lineNo,
  sku: `SKU${lineNo}`,
  name: `item ${lineNo}`,
  unit: 'each',
  quantityMilli,
  unitPrice,
  originalUnitPrice: null,
  discount: 0,
  discountReason: null,
  due: Math.round((unitPrice * quantityMilli) / 1000),
  voided: false,
  voidReason: null,
  promotions: [],
});

function ctx(over: Partial<GateContext['checkout']> = {}): GateContext {
  return {
    checkout: {
      saleId: 'S1',
      lines: [line(1, 1000, 2000), line(2, 500)],
      tenders: [],
      totals: { gross: 2500, discounts: 0, promotions: 0, tax: 0, total: 2500, lineCount: 2 },
      ...over,
    },
    discountLimitBps: 1000,
  };
}

const need = (command: CheckoutCommand, c = ctx()) => commandPermission(command, c)?.permission ?? null;

describe('permission gate: checkout commands', () => {
  it('a void before any tender is the cashier\'s own; a cancel once cash is taken needs void.after-tender', () => {
    expect(need({ type: 'VOID_LINE', lineNo: 1, reason: 'wrong item' })).toBeNull();
    expect(need({ type: 'CANCEL', reason: 'changed mind' })).toBeNull();
    const paid = ctx({ tenders: [{ method: 'cash', amount: 1000, reference: null }] });
    expect(need({ type: 'CANCEL', reason: 'changed mind' }, paid)).toBe('void.after-tender');
    expect(need({ type: 'VOID_LINE', lineNo: 1, reason: 'x' }, paid)).toBe('void.after-tender');
  });

  it('every price override needs price.override, up or down', () => {
    expect(need({ type: 'OVERRIDE_PRICE', lineNo: 1, unitPrice: 1, reason: 'damaged' })).toBe('price.override');
    expect(need({ type: 'OVERRIDE_PRICE', lineNo: 1, unitPrice: 99_999, reason: 'typo' })).toBe('price.override');
  });

  it.each([
    // line 1 gross is 20.00 (2 × 10.00); the limit is 10 %
    [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: { amount: 200 }, reason: 'r' }, null],
    [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: { amount: 201 }, reason: 'r' }, 'discount.over-limit'],
    [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: { percentBps: 1000 }, reason: 'r' }, null],
    [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: { percentBps: 1001 }, reason: 'r' }, 'discount.over-limit'],
    [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: null, reason: 'r' }, null],
    // the sale is 25.00
    [{ type: 'BASKET_DISCOUNT', discount: { amount: 250 }, reason: 'r' }, null],
    [{ type: 'BASKET_DISCOUNT', discount: { amount: 251 }, reason: 'r' }, 'discount.over-limit'],
    [{ type: 'BASKET_DISCOUNT', discount: { percentBps: 5000 }, reason: 'r' }, 'discount.over-limit'],
  ] as const)('%j needs %s', (command, permission) => {
    expect(need(command as CheckoutCommand)).toBe(permission);
  });

  it('selling itself needs nothing', () => {
    expect(need({ type: 'SCAN', data: '6901234567892' })).toBeNull();
    expect(need({ type: 'TENDER_CASH', received: 5000 })).toBeNull();
  });
});

describe('permission gate: requests', () => {
  it('refund, no-sale, reprint, Z and users each name their permission', () => {
    expect(requiredPermission('sales.refund', { saleId: 'S9', reason: 'faulty' }, ctx())).toMatchObject({ permission: 'refund', ref: 'S9' });
    expect(requiredPermission('devices.openDrawer', { reason: 'change' }, ctx())?.permission).toBe('drawer.no-sale');
    expect(requiredPermission('sales.reprint', { saleId: 'S9' }, ctx())?.permission).toBe('receipt.reprint');
    expect(requiredPermission('report.z', {}, ctx())?.permission).toBe('report.z');
    expect(requiredPermission('shift.close', { counts: {} }, ctx())?.permission).toBe('shift.close');
    expect(requiredPermission('users.list', {}, ctx())?.permission).toBe('users.manage');
  });

  it('what a screen needs to draw itself and to log in is free of log-in', () => {
    for (const name of ['terminal.hello', 'checkout.view', 'customer.view', 'session.login'] as const) expect(LOGIN_FREE.has(name)).toBe(true);
    for (const name of ['checkout.send', 'sales.refund', 'report.z', 'devices.openDrawer'] as const) expect(LOGIN_FREE.has(name)).toBe(false);
  });
});
