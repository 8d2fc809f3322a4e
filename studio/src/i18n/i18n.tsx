import { isDecimalInput } from '@attain/meta/decimal';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import en from './en.json';
import zhCN from './zh-CN.json';
import type { Label } from '../api/types.ts';
import { setAnswerLocale } from '../api/client.ts';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

type Messages = { [key: string]: string | Messages };
const CATALOGS: Record<Locale, Messages> = { en, 'zh-CN': zhCN };
const LOCALE_KEY = 'attain.locale';

function lookup(messages: Messages, key: string): string | undefined {
  let node: string | Messages | undefined = messages;
  for (const part of key.split('.')) {
    if (!node || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

export type Params = Record<string, string | number>;
export type TFunction = (key: string, params?: Params) => string;

/** The same fallback as the server's pickLabel: the locale, its language, English, then a default. */
export function pickLabel(label: Label | undefined | null, locale: string, fallback = ''): string {
  if (!label) return fallback;
  return label[locale] ?? label[locale.split('-')[0] ?? 'en'] ?? label.en ?? fallback;
}

export function translate(locale: Locale, key: string, params?: Params): string {
  const text = lookup(CATALOGS[locale], key) ?? lookup(CATALOGS.en, key) ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k])));
}

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: TFunction;
  /** A metadata label in the current locale. */
  label: (label: Label | undefined | null, fallback?: string) => string;
  formatNumber: (value: number | string, options?: Intl.NumberFormatOptions) => string;
  formatDate: (value: string, withTime?: boolean) => string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_KEY);
  if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  // Told to the API client at once (not in an effect): children fetch in their own effects, which run first.
  const [locale, setLocaleState] = useState<Locale>(() => {
    const first = initialLocale();
    setAnswerLocale(first);
    return first;
  });
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.name');
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(LOCALE_KEY, next);
    setAnswerLocale(next);
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const nf = new Map<string, Intl.NumberFormat>();
    return {
      locale,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      label: (label, fallback = '') => pickLabel(label, locale, fallback),
      formatNumber: (value, options) => {
        const key = JSON.stringify(options ?? {});
        let f = nf.get(key);
        if (!f) nf.set(key, (f = new Intl.NumberFormat(locale, options)));
        // Decimal text is formatted as the exact decimal it is (Intl reads numeric strings without a float).
        if (typeof value === 'string') return isDecimalInput(value) ? f.format(value as Intl.StringNumericLiteral) : value;
        return Number.isFinite(value) ? f.format(value) : String(value);
      },
      formatDate: (value, withTime = false) => {
        const d = new Date(withTime || value.length > 10 ? value : `${value}T00:00:00`);
        if (Number.isNaN(d.getTime())) return value;
        return withTime ? d.toLocaleString(locale) : d.toLocaleDateString(locale);
      },
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
