import type { SandboxErrorDetail } from './errors.ts';
import type { SettingsSchema } from './manifest-fields.ts';

/**
 * A plugin's vendor event callbacks (manifest `inbound`). The host, not the plugin, checks each
 * callback's signature and decrypts it — the sandbox has no crypto — with the keys the tenant
 * saved in the named settings, then runs the plugin's `inbound` hook with the plain event.
 */
export interface InboundSpec {
  /** Whose callback format: Feishu event subscription v2, DingTalk or WeCom encrypted callbacks. */
  scheme: InboundScheme;
  /** The settings property holding the verification token (Feishu) or callback token (DingTalk, WeCom). */
  token: string;
  /** The settings property holding the Encrypt Key (Feishu, optional) or EncodingAESKey (DingTalk, WeCom). */
  aesKey?: string;
  /** The settings property holding the id the encrypted message must end with (DingTalk app key / corp id, WeCom corp id). */
  receiveId?: string;
}

export type InboundScheme = 'feishu' | 'dingtalk' | 'wecom';
export const INBOUND_SCHEMES: readonly InboundScheme[] = ['feishu', 'dingtalk', 'wecom'];

const KEYS = new Set(['scheme', 'token', 'aesKey', 'receiveId']);
/** DingTalk and WeCom messages are always encrypted: they need the key and the receiver id. */
const ENCRYPTED: readonly string[] = ['dingtalk', 'wecom'];

export function checkInbound(value: unknown, settings: SettingsSchema | undefined, details: SandboxErrorDetail[]): InboundSpec | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    details.push({ path: 'inbound', rule: 'type', message: 'must be an object {scheme, token, aesKey?, receiveId?}' });
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const before = details.length;
  for (const key of Object.keys(v)) if (!KEYS.has(key)) details.push({ path: `inbound.${key}`, rule: 'additionalProperties', message: `unknown field "${key}"` });
  if (typeof v.scheme !== 'string' || !INBOUND_SCHEMES.includes(v.scheme as InboundScheme)) {
    details.push({ path: 'inbound.scheme', rule: 'enum', message: `must be one of: ${INBOUND_SCHEMES.join(', ')}` });
  }
  const props = settings?.properties ?? {};
  const setting = (key: 'token' | 'aesKey' | 'receiveId', required: boolean): void => {
    const name = v[key];
    if (name === undefined) {
      if (required) details.push({ path: `inbound.${key}`, rule: 'required', message: `the ${String(v.scheme)} scheme needs "${key}"` });
      return;
    }
    if (typeof name !== 'string' || !Object.hasOwn(props, name) || props[name]?.type !== 'string') {
      details.push({ path: `inbound.${key}`, rule: 'setting', message: 'must name a string property of "settings"' });
    }
  };
  const encrypted = ENCRYPTED.includes(String(v.scheme));
  setting('token', true);
  setting('aesKey', encrypted);
  setting('receiveId', encrypted);
  if (details.length > before) return undefined;
  const out: InboundSpec = { scheme: v.scheme as InboundScheme, token: v.token as string };
  if (typeof v.aesKey === 'string') out.aesKey = v.aesKey;
  if (typeof v.receiveId === 'string') out.receiveId = v.receiveId;
  return out;
}
