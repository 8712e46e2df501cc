import { encode } from 'uqr';

/**
 * A QR code drawn as one SVG path from the encoder's module matrix: React builds the markup, so no
 * generated HTML is injected. Error correction M, as the product labels use; a four-module quiet zone
 * as the standard asks, so phone cameras find the code on any background.
 */
export function QrCode({ text, label, size = 180 }: { text: string; label: string; size?: number }) {
  const { data } = encode(text, { ecc: 'M', border: 4 });
  const modules = data.length;
  const path = data.flatMap((row, y) => row.map((dark, x) => (dark ? `M${x} ${y}h1v1h-1z` : ''))).join('');
  return (
    <svg
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
