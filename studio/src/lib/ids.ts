/** A short random suffix for stable ids (base36, ~41 bits). */
export function randomSuffix(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}

/** Field ids are `<object>.<field>.<random>`, generated once when the field is created and never changed on rename. */
export function newFieldId(objectName: string, fieldName: string): string {
  return `${objectName}.${fieldName}.${randomSuffix()}`.slice(0, 80);
}

export function newObjectId(objectName: string): string {
  return `${objectName}.${randomSuffix()}`.slice(0, 80);
}

/** An api name suggested from a label: `Close date` -> `close_date`; empty when nothing usable is left. */
export function suggestName(label: string): string {
  const s = label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^[0-9_]+/, '')
    .slice(0, 63);
  return s;
}
