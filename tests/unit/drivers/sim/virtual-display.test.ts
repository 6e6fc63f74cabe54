// Virtual pole display device over a memory pair: what the host encodes is what it shows.
import { describe, expect, it } from 'vitest';
import { blankScreen, encodeInit, encodeScreen, fitLine } from '../../../../drivers/display/pole-display.ts';
import type { DisplayCharset, DisplayCommandSet } from '../../../../drivers/display/pole-display.ts';
import { VirtualDisplayDevice } from '../../../../drivers/sim/virtual-display.ts';
import { createMemoryPair } from '../../../../drivers/transports/memory-transport.ts';

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function rig(commandSet: DisplayCommandSet, charset: DisplayCharset, chunkSize?: number) {
  const pair = createMemoryPair({ name: 'display', ...(chunkSize === undefined ? {} : { chunkSize }) });
  await pair.a.open();
  await pair.b.open();
  const device = new VirtualDisplayDevice(pair.b, { commandSet, charset });
  return { pair, device };
}

const cases: Array<[DisplayCommandSet, DisplayCharset, string, string]> = [
  ['epson-dmd', 'cp437-yen', 'APPLES', '1 x ¥2.50       ¥2.50'],
  ['cd5220', 'cp437-yen', 'TOTAL          ¥12.50', 'ITEMS              3'],
  ['epson-dmd', 'gbk', '苹果 APPLES', '合计          ￥12.50'],
  ['cd5220', 'ascii', 'THANK YOU', 'PLEASE COME AGAIN'],
];

describe('VirtualDisplayDevice', () => {
  it.each(cases)('%s / %s: screen() equals what the host encoded', async (commandSet, charset, line1, line2) => {
    const { pair, device } = await rig(commandSet, charset, 3);
    const opts = { charset };
    await pair.a.write(encodeInit(commandSet, opts));
    await pair.a.write(encodeScreen(commandSet, { line1, line2 }, opts));
    await flush();
    expect(device.screen()).toEqual({ line1: fitLine(line1, charset), line2: fitLine(line2, charset) });
    expect(device.display.counters.ignored).toBe(0);
  });

  it('powerCycle blanks the display; detach stops it listening', async () => {
    const { pair, device } = await rig('epson-dmd', 'cp437-yen');
    await pair.a.write(encodeScreen('epson-dmd', { line1: 'A', line2: 'B' }, { charset: 'cp437-yen' }));
    await flush();
    expect(device.screen().line1).toBe(fitLine('A', 'cp437-yen'));
    device.powerCycle();
    expect(device.screen()).toEqual(blankScreen());
    device.detach();
    await pair.a.write(encodeScreen('epson-dmd', { line1: 'C', line2: 'D' }, { charset: 'cp437-yen' }));
    await flush();
    expect(device.screen()).toEqual(blankScreen());
  });

  it('unplug fires the host side onClose and the screen keeps what it had', async () => {
    const { pair, device } = await rig('cd5220', 'cp437-yen');
    const closed: Array<Error | null> = [];
    pair.a.onClose((reason) => closed.push(reason));
    await pair.a.write(encodeScreen('cd5220', { line1: 'HELLO', line2: '' }, { charset: 'cp437-yen' }));
    await flush();
    pair.unplug();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeInstanceOf(Error);
    await expect(pair.a.write(Uint8Array.of(0x41))).rejects.toMatchObject({ code: 'closed' });
    expect(device.screen().line1).toBe(fitLine('HELLO', 'cp437-yen'));
  });
});
