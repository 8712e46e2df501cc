import i18next from 'i18next';

/** The same keys with string values: a Chinese table must give every key of its English one. */
export type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/**
 * The strings of one area of the app, in both languages, kept in that area's own script chunk and
 * added to the translations when the area's module first loads: the tables every page downloads
 * (en.ts, and zh.ts when Chinese is chosen) hold only what the shell and most pages share, so a new
 * area does not grow the sign-in page's script.
 */
export function registerAreaStrings<T extends Record<string, unknown>>(
  section: string,
  en: T,
  zh: Shape<T>,
): void {
  i18next.addResourceBundle('en', 'translation', { [section]: en }, true, true);
  i18next.addResourceBundle('zh', 'translation', { [section]: zh }, true, true);
}
