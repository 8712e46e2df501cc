import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';

export const languages = ['en', 'zh'] as const;
export type Language = (typeof languages)[number];
const STORAGE_KEY = 'exotrial.language';
/** Whether the Chinese table is in (areas add their own Chinese strings before it, so i18next's bundle alone does not tell). */
let chineseLoaded = false;

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/**
 * English is in the main script (it is also the fallback for any key); the Chinese table is its own
 * chunk, downloaded only when Chinese is chosen, before the language switches so no English flashes.
 */
async function chineseTable(): Promise<typeof en> {
  return (await import('./zh.ts')).zh;
}

export async function setLanguage(language: Language): Promise<void> {
  // The choice is kept at once: a page opened while the table downloads opens in it.
  localStorage.setItem(STORAGE_KEY, language);
  if (language === 'zh' && !chineseLoaded) {
    // Deep, without overwriting: the strings areas added already stay.
    i18next.addResourceBundle('zh', 'translation', await chineseTable(), true, false);
    chineseLoaded = true;
    // Another language was chosen while the table downloaded: that later choice stands.
    if (localStorage.getItem(STORAGE_KEY) !== language) return;
  }
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  await i18next.changeLanguage(language);
}

export async function initI18n(): Promise<void> {
  const language = initialLanguage();
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  const resources = {
    en: { translation: en },
    ...(language === 'zh' ? { zh: { translation: await chineseTable() } } : {}),
  };
  chineseLoaded = language === 'zh';
  await i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
}
