// What the customer sees on the pole display at each moment of a real checkout run.
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { stateName } from '../../../../src/core/checkout-service.ts';
import { poleScreen } from '../../../../src/core/devices/pole-presenter.ts';
import { fakes, INPUT } from '../../state-machines/checkout-fakes.ts';

const COLA = '6901234567892';
const AT = '2025-05-01T10:00:00.000Z';
const opts = { charset: 'cp437-yen', language: 'en', storeName: 'Kassa Store' } as const;


describe('pole display presenter', () => {
  it('welcome, item and price, total while paying, change after a cash sale', async () => {
    const actor = createActor(fakes().machine, { input: INPUT }).start();
    const screen = () => {
      const s = actor.getSnapshot();
      return poleScreen({ state: stateName(s), context: s.context }, opts);
    };
    expect(screen()).toEqual({ line1: '    Kassa Store     ', line2: '      WELCOME       ' });
    actor.send({ type: 'SCAN', data: COLA, saleId: 'S1', at: AT });
    expect(screen()?.line2).toBe('      WELCOME       '); // still looking the first item up
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(screen()?.line2).toMatch(/^1 x .*3\.50 +.*3\.50$/);
    expect(screen()?.line2).toHaveLength(20);
    actor.send({ type: 'TENDER', at: AT });
    expect(screen()).toEqual({ line1: 'TOTAL          \u009d3.50'.replace('\u009d', '¥'), line2: 'ITEMS              1' });
    actor.send({ type: 'TENDER_CASH', received: 1000, at: AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(screen()).toEqual({ line1: 'PAID          ¥10.00', line2: 'CHANGE         ¥6.50' });
  });
});
