import { DEFAULT_THEME } from '@mantine/core';
import { describe, expect, it } from 'vitest';
import { accessiblePalette, contrastRatio, themeIn } from '../../web/src/theme.ts';

const AA = 4.5;

const theme = themeIn({ close: 'Close' });

describe('the web theme', () => {
  it('computes WCAG contrast as published (black on white 21:1, Mantine blue 6 on white 3.6:1)', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#228be6', '#ffffff')).toBeCloseTo(3.56, 2);
  });

  it('draws coloured text, filled elements and light badges at AA or better in every palette', () => {
    const primary = 8;
    expect(theme.primaryShade).toEqual({ light: primary, dark: primary });
    for (const [name, palette] of Object.entries(theme.colors ?? {})) {
      if (!palette) continue;
      // Text in a colour, and white on a filled element of it.
      expect(contrastRatio(palette[primary], '#ffffff'), name).toBeGreaterThanOrEqual(AA);
      // A light badge or alert: shade 9 on shade 1.
      expect(contrastRatio(palette[9], palette[1]), name).toBeGreaterThanOrEqual(AA);
    }
  });

  it('changes only the shades that fell short, and keeps them in order of darkness', () => {
    const violet = DEFAULT_THEME.colors.violet;
    expect(accessiblePalette(violet).slice(0, 7)).toEqual(violet.slice(0, 7));
    const yellow = accessiblePalette(DEFAULT_THEME.colors.yellow);
    const ratios = [7, 8, 9].map((shade) => contrastRatio(yellow[shade] ?? '', '#ffffff'));
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
  });
});
