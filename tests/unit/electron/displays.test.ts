import { describe, expect, it } from 'vitest';
import { chooseCustomerDisplay, planCustomerWindow, type DisplayLike } from '../../../electron/displays.ts';

const d = (id: number, x: number, width = 1024): DisplayLike => ({ id, bounds: { x, y: 0, width, height: 768 } });
const primary = d(10, 0, 1920);
const left = d(20, 1920);
const right = d(30, 2944);

describe('choosing the customer display', () => {
  it('uses the configured display when it is connected', () => {
    const choice = chooseCustomerDisplay([primary, left, right], 10, 30);
    expect(choice.display?.id).toBe(30);
    expect(choice.reason).toMatch(/configured display 30/);
  });

  it('accepts the configured id written as a string', () => {
    expect(chooseCustomerDisplay([primary, left, right], 10, '30').display?.id).toBe(30);
  });

  it('falls back to the first non-primary display when none is configured or the configured one is unplugged', () => {
    expect(chooseCustomerDisplay([primary, left, right], 10, null).display?.id).toBe(20);
    const unplugged = chooseCustomerDisplay([primary, left], 10, 30);
    expect(unplugged.display?.id).toBe(20);
    expect(unplugged.reason).toMatch(/configured display 30 is not connected/);
  });

  it('finds the non-primary display wherever the primary is in the list', () => {
    expect(chooseCustomerDisplay([left, primary], 10, null).display?.id).toBe(20);
  });

  it('opens no customer window with a single screen', () => {
    const choice = chooseCustomerDisplay([primary], 10, null);
    expect(choice.display).toBeNull();
    expect(choice.reason).toMatch(/no second display/);
  });

  it('never covers the cashier: a configured primary display gives no customer window', () => {
    const choice = chooseCustomerDisplay([primary, left], 10, 10);
    expect(choice.display).toBeNull();
    expect(choice.reason).toMatch(/primary/);
  });
});

describe('following displays as they come and go', () => {
  it('opens the window when a second display is added', () => {
    const before = planCustomerWindow(null, chooseCustomerDisplay([primary], 10, null));
    expect(before.kind).toBe('keep');
    const after = planCustomerWindow(null, chooseCustomerDisplay([primary, left], 10, null));
    expect(after).toMatchObject({ kind: 'open', display: { id: 20 } });
  });

  it('closes the window when its display is removed and no other is left', () => {
    const plan = planCustomerWindow({ displayId: 20, bounds: left.bounds }, chooseCustomerDisplay([primary], 10, null));
    expect(plan.kind).toBe('close');
  });

  it('moves the window to the configured display when it is plugged in', () => {
    const plan = planCustomerWindow({ displayId: 20, bounds: left.bounds }, chooseCustomerDisplay([primary, left, right], 10, 30));
    expect(plan).toMatchObject({ kind: 'move', display: { id: 30 } });
  });

  it('moves the window when its display changes resolution or position', () => {
    const resized = d(20, 1920, 1280);
    expect(planCustomerWindow({ displayId: 20, bounds: left.bounds }, chooseCustomerDisplay([primary, resized], 10, null)).kind).toBe('move');
  });

  it('leaves the window alone when nothing that matters changed', () => {
    expect(planCustomerWindow({ displayId: 20, bounds: left.bounds }, chooseCustomerDisplay([primary, left], 10, null)).kind).toBe('keep');
  });
});
