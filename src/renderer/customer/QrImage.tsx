// The payment QR, drawn in the page from the core's payload with the `qrcode` package, at a
// whole number of pixels per module and shown at its natural size (see customer-model.ts): it
// must decode from a photo of the screen and from a screenshot (the e2e tests use jsQR).
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { TID } from '../testids.ts';
import { QR_MARGIN_MODULES, qrScale } from './customer-model.ts';

export function QrImage({ payload, targetPx, label }: { readonly payload: string; readonly targetPx: number; readonly label: string }) {
  const [image, setImage] = useState<{ readonly url: string; readonly size: number; readonly payload: string } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    try {
      const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size;
      const scale = qrScale(modules, targetPx);
      const size = (modules + 2 * QR_MARGIN_MODULES) * scale;
      QRCode.toDataURL(payload, { errorCorrectionLevel: 'M', margin: QR_MARGIN_MODULES, scale, color: { dark: '#000000ff', light: '#ffffffff' } }).then(
        (url) => {
          if (!stale) setImage({ url, size, payload });
        },
        (e: unknown) => {
          if (!stale) setFailed(e instanceof Error ? e.message : String(e));
        },
      );
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
    }
    return () => {
      stale = true;
    };
  }, [payload, targetPx]);

  if (failed !== null) return <p className="qr-failed">{failed}</p>;
  if (!image || image.payload !== payload) return <div className="qr-placeholder" style={{ width: targetPx, height: targetPx }} />;
  return <img className="qr" src={image.url} width={image.size} height={image.size} alt={label} data-testid={TID.customerQr} data-payload={payload} />;
}
