// Reads a QR code out of a screenshot the way a customer's phone reads the customer display:
// from pixels only (pngjs decodes the PNG, jsQR finds and decodes the code), never from the
// page's DOM, so a QR that is drawn blurred, clipped or too small fails the test.
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

// jsqr is CommonJS with `exports.default`; under Node's ESM the default import is the module.
const jsQR: JsQr = typeof jsQRModule === 'function' ? (jsQRModule as unknown as JsQr) : (jsQRModule as unknown as { default: JsQr }).default;

/** The text of the QR code in `png`, or null when none can be read. */
export function decodeQrFromPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  return jsQR(pixels, image.width, image.height)?.data ?? null;
}
