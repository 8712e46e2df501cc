import { Anchor, createTheme, DEFAULT_THEME, type MantineColorsTuple, Modal } from '@mantine/core';

// Mantine's default palettes put coloured text and white-on-colour below WCAG AA (4.5:1) in most
// hues: green 9 on green 1, which a light badge draws, is 3.8:1; white on blue 6, the default button,
// 3.6:1. Rather than choosing colours element by element, the theme darkens each palette's three
// darkest shades until they reach AA against the palette's light shade 1 (light badges and alerts),
// and so against white, and draws filled elements and coloured text with shade 8.

/** WCAG 2.1 relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(first: string, second: string): number {
  const [light, dark] = [relativeLuminance(first), relativeLuminance(second)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** The colour with each channel scaled towards black by `amount` (0 to 1), as #rrggbb. */
function darkened(hex: string, amount: number): string {
  const channel = (offset: number) =>
    Math.round(Number.parseInt(hex.slice(offset, offset + 2), 16) * (1 - amount))
      .toString(16)
      .padStart(2, '0');
  return `#${channel(1)}${channel(3)}${channel(5)}`;
}

/** Contrast each of shades 7, 8 and 9 must reach against shade 1: AA, then a margin that keeps the order. */
export const SHADE_CONTRAST = { 7: 4.6, 8: 5.2, 9: 6 } as const;

/** A palette whose shades 7 to 9 are darkened, in small steps, only as far as SHADE_CONTRAST asks. */
export function accessiblePalette(palette: MantineColorsTuple): MantineColorsTuple {
  const background = palette[1];
  const shades: string[] = [...palette];
  for (const shade of [7, 8, 9] as const) {
    let colour = shades[shade] ?? palette[9];
    for (let amount = 0.02; contrastRatio(colour, background) < SHADE_CONTRAST[shade]; amount += 0.02) {
      colour = darkened(shades[shade] ?? palette[9], amount);
    }
    shades[shade] = colour;
  }
  return shades as unknown as MantineColorsTuple;
}

const colors = Object.fromEntries(
  Object.entries(DEFAULT_THEME.colors)
    .filter(([name]) => name !== 'dark')
    .map(([name, palette]) => [name, accessiblePalette(palette)]),
);

/** The theme, with the words its components show of their own in the chosen language. */
export function themeIn(words: { close: string }) {
  return createTheme({
    colors,
    primaryShade: { light: 8, dark: 8 },
    components: {
      // A link inside a sentence must not be told apart by colour alone (WCAG 1.4.1).
      Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
      // A dialog's close button is an icon: its name is read out instead (WCAG 4.1.2).
      Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': words.close } } }),
    },
  });
}

/** The light scheme's text colours, from the theme rather than Mantine's lighter defaults. */
export const cssVariablesResolver = () => ({
  variables: {},
  light: {
    // Gray 6 (3.3:1 on white) is Mantine's dimmed text; gray 7 reads at 8:1.
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-8)',
  },
  dark: {},
});
