import { describe, expect, it } from 'vitest';
import { surfaceFromPath, SURFACE_PATHS } from '../../../../src/renderer/app/routes.ts';

describe('the path picks the surface', () => {
  it('maps the three pages, with or without a trailing slash', () => {
    expect(surfaceFromPath('/')).toBe('cashier');
    expect(surfaceFromPath('/index.html')).toBe('cashier');
    expect(surfaceFromPath('/customer')).toBe('customer');
    expect(surfaceFromPath('/customer/')).toBe('customer');
    expect(surfaceFromPath('/manager')).toBe('manager');
    for (const [surface, path] of Object.entries(SURFACE_PATHS)) expect(surfaceFromPath(path)).toBe(surface);
  });

  it('refuses anything else', () => {
    expect(surfaceFromPath('/customers')).toBeNull();
    expect(surfaceFromPath('/manager/devices')).toBeNull();
    expect(surfaceFromPath('')).toBe('cashier');
  });
});
