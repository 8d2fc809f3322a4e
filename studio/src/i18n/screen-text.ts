// Strings a lazily loaded screen brings with it, so they load with the screen and not with the
// first screen's catalogs: looked up in the screen's catalog first, then in the shared one.
import { useCallback } from 'react';
import { useI18n, type Params, type TFunction } from './i18n.tsx';

type Messages = { [key: string]: string | Messages };
export type ScreenCatalog = { en: Messages; 'zh-CN': Messages };

function lookup(messages: Messages, key: string): string | undefined {
  let node: string | Messages | undefined = messages;
  for (const part of key.split('.')) {
    if (!node || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** `t` over the screen's catalog, falling back to the shared catalogs (and their fallbacks). */
export function useScreenText(catalog: ScreenCatalog): TFunction {
  const { locale, t } = useI18n();
  return useCallback(
    (key: string, params?: Params) => {
      const text = lookup(catalog[locale], key) ?? lookup(catalog.en, key);
      if (text === undefined) return t(key, params);
      return params ? text.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k]))) : text;
    },
    [catalog, locale, t],
  );
}
