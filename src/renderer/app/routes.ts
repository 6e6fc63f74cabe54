// One page, three surfaces: the path picks which (the hosts serve index.html for each path).
import type { Surface } from '../../shared/api.ts';

const PATHS: Readonly<Record<string, Surface>> = {
  '/': 'cashier',
  '/index.html': 'cashier',
  '/cashier': 'cashier',
  '/customer': 'customer',
  '/manager': 'manager',
};

/** The surface for a location path ("/customer/" counts as "/customer"); null for anything else. */
export function surfaceFromPath(pathname: string): Surface | null {
  const p = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return PATHS[p === '' ? '/' : p] ?? null;
}

export const SURFACE_PATHS: Readonly<Record<Surface, string>> = { cashier: '/', customer: '/customer', manager: '/manager' };
