import { useEffect, useState } from 'react';

/**
 * A QR code of `text` as SVG, drawn from the module matrix of `uqr` (loaded only when a QR code is
 * shown, so the first screen does not carry it). Nothing while it loads or if it cannot.
 */
export function QrCode({ text, label, size = 180 }: { text: string; label: string; size?: number }) {
  const [matrix, setMatrix] = useState<boolean[][] | null>(null);
  useEffect(() => {
    let live = true;
    import('uqr').then(({ encode }) => live && setMatrix(encode(text, { ecc: 'M', border: 2 }).data)).catch(() => live && setMatrix(null));
    return () => {
      live = false;
    };
  }, [text]);
  if (!matrix) return null;
  const n = matrix.length;
  let d = '';
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return (
    <svg role="img" aria-label={label} data-testid="totp-qr" width={size} height={size} viewBox={`0 0 ${n} ${n}`} shapeRendering="crispEdges" className="totp-qr">
      <rect width={n} height={n} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
