/** i18next with English and Simplified Chinese; the choice is kept in localStorage. */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const KEY = 'hotline.lang';

function initial(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(KEY, lang);
  void i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
}

export function initI18n(): typeof i18next {
  const lng = initial();
  document.documentElement.lang = lng;
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
  });
  return i18next;
}
