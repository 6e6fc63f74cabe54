// Virtual Toledo 8213 scale over a memory pair, read by the real host-side ScaleReader.
import { describe, expect, it } from 'vitest';
import { requestStatus, requestTare, requestWeight, requestZero, ScaleReader } from '../../../../drivers/scale/toledo-8213.ts';
import type { ScaleEvent } from '../../../../drivers/scale/toledo-8213.ts';
import { formatWeight, VirtualScale } from '../../../../drivers/sim/virtual-scale.ts';
import type { VirtualScaleOptions } from '../../../../drivers/sim/virtual-scale.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function rig(options: VirtualScaleOptions = {}) {
  const pair = createMemoryPair({ name: 'scale' });
  await pair.a.open();
  await pair.b.open();
  const scale = new VirtualScale(pair.b, options);
  const reader = new ScaleReader({ unit: options.unit ?? 'kg' });
  const events: ScaleEvent[] = [];
  pair.a.onData((bytes) => events.push(...reader.push(bytes, 0)));
  /** Host sends `bytes`; returns the events their replies give. */
  const ask = async (bytes: Uint8Array): Promise<ScaleEvent[]> => {
    events.length = 0;
    await pair.a.write(bytes);
    await flush();
    await scale.idle();
    await flush();
    return [...events];
  };
  return { pair, scale, ask };
}

describe('VirtualScale', () => {
  it('formats 8213 weight digits', () => {
    expect(formatWeight(1234, 'kg', 3)).toBe('01.234');
    expect(formatWeight(12_500, 'kg', 3)).toBe('12.500');
    expect(formatWeight(0, 'kg', 3)).toBe('00.000');
    expect(formatWeight(454, 'g', 0)).toBe('454');
  });

  it('answers W with the placed weight, read back by ScaleReader', async () => {
    const { scale, ask } = await rig();
    scale.place(1234);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 1234, stable: true, overCapacity: false, underZero: false }]);
    scale.place(0);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 0 }]);
  });

  it('gives no stable weight while in motion', async () => {
    const { scale, ask } = await rig();
    scale.place(800);
    scale.setMotion(true);
    const events = await ask(requestWeight());
    expect(events).toMatchObject([{ type: 'SCALE.STATUS', motion: true }]);
    expect(events.some((e) => e.type === 'SCALE.WEIGHT')).toBe(false);
    scale.setMotion(false);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 800 }]);
  });

  it('zeroes with Z and tares with T', async () => {
    const { scale, ask } = await rig();
    scale.place(5);
    expect(await ask(requestWeight())).toMatchObject([{ grams: 5 }]);
    expect(await ask(requestZero())).toMatchObject([{ type: 'SCALE.STATUS', motion: false, centerOfZero: true, outsideZeroCapture: false }]);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 0 }]);
    scale.place(205); // a 200 g container
    expect(await ask(requestTare())).toMatchObject([{ type: 'SCALE.STATUS', centerOfZero: true }]);
    scale.place(1205);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 1000 }]);
    expect(scale.state()).toMatchObject({ grossGrams: 1205, zeroGrams: 5, tareGrams: 200, netGrams: 1000 });
    scale.place(5); // container taken off: under zero
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.STATUS', underZero: true }]);
    expect(await ask(requestTare())).toMatchObject([{ type: 'SCALE.STATUS', underZero: false, centerOfZero: true }]);
  });

  it('refuses Z outside the zero range or in motion', async () => {
    const { scale, ask } = await rig();
    scale.place(2000);
    expect(await ask(requestZero())).toMatchObject([{ type: 'SCALE.STATUS', outsideZeroCapture: true }]);
    scale.place(100);
    scale.setMotion(true);
    expect(await ask(requestZero())).toMatchObject([{ type: 'SCALE.STATUS', motion: true }]);
    scale.setMotion(false);
    expect(await ask(requestWeight())).toMatchObject([{ grams: 100 }]);
  });

  it('reports over capacity', async () => {
    const { scale, ask } = await rig({ capacityGrams: 6000 });
    scale.place(6001);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.STATUS', overCapacity: true }]);
    scale.place(100);
    scale.overload();
    expect(await ask(requestStatus())).toMatchObject([{ type: 'SCALE.STATUS', overCapacity: true, motion: false }]);
    scale.place(100);
    expect(await ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 100 }]);
  });

  it('answers unknown commands with STX ? CR, ignores CR/LF, strips parity', async () => {
    const { scale, ask } = await rig({ tare: false });
    scale.place(42);
    expect(await ask(Uint8Array.of(0x58))).toMatchObject([{ type: 'SCALE.WARNING', reason: 'unrecognized-command' }]);
    expect(await ask(requestTare())).toMatchObject([{ type: 'SCALE.WARNING', reason: 'unrecognized-command' }]);
    expect(await ask(Uint8Array.of(0x57, 0x0d, 0x0a))).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 42 }]);
    expect(await ask(Uint8Array.of(0x57 | 0x80))).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 42 }]);
    expect(scale.counters.unknown).toBe(2);
  });

  it('reads back in grams and pounds', async () => {
    const g = await rig({ unit: 'g' });
    g.scale.place(455);
    expect(await g.ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 455 }]);
    const lb = await rig({ unit: 'lb' });
    lb.scale.place(454);
    expect(await lb.ask(requestWeight())).toMatchObject([{ type: 'SCALE.WEIGHT', grams: 454 }]);
  });

  it('unplug fires the host side onClose; replies to a closed port are dropped', async () => {
    const { pair, scale } = await rig();
    const closed: Array<Error | null> = [];
    pair.a.onClose((reason) => closed.push(reason));
    pair.unplug();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeInstanceOf(Error);
    scale.reply(0x57);
    await scale.idle();
    expect(scale.counters.replies).toBe(0);
  });
});
