import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import commonSchema from '../../schemas/common.schema.json' with { type: 'json' };
import type { MetaIssue } from '../errors.ts';
import type { Label } from '../generated/types.ts';
import type { Registry } from '../registry.ts';

/** What every metadata document has, whatever its kind (the common meta-schema's base). */
export interface MetaDocBase {
  kind: string;
  id: string;
  name: string;
  label: Label;
}

/** A document of a kind a module registered (`<module>.<kind>`); its own fields are the module's business. */
export interface ModuleDoc extends MetaDocBase {
  kind: `${string}.${string}`;
}

/**
 * One kind of metadata document, contributed by the module that owns it: its JSON meta-schema
 * (which may `$ref` the common schema), an optional normalisation applied once the document is
 * valid, and a cross-check run against the whole next registry (references to objects, roles,
 * other documents). Kinds other than the platform's shipped ones are named `<module>.<kind>`.
 */
export interface MetaKindDefinition {
  kind: string;
  schema: Record<string, unknown>;
  /** Rewrites a valid document into the form kept in the registry (defaults filled, …). */
  normalize?(doc: MetaDocBase): MetaDocBase;
  /** Adds an issue for every reference the document makes that the registry cannot satisfy. */
  crossCheck?(registry: Registry, issues: MetaIssue[]): void;
}

const EXTENSION_KIND = /^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_]{0,30}$/;

/**
 * The metadata kinds this process accepts. Meta's loaders, the registry and `metadata plan/apply`
 * ask it, so a module's kind needs no entry in any hand-written list. Registration is counted:
 * two servers in one process may add the same module, and the kind goes when the last releases it.
 */
export class MetaKindCatalogue {
  private readonly defs = new Map<string, { def: MetaKindDefinition; holders: number; permanent: boolean }>();
  private readonly compiled = new WeakMap<MetaKindDefinition, ValidateFunction>();
  private ajv: Ajv2020 | undefined;
  private readonly added = new Set<string>();

  /** A kind shipped with meta itself: always present, never released. */
  ship(def: MetaKindDefinition): void {
    this.defs.set(def.kind, { def, holders: 1, permanent: true });
  }

  /** Adds a module's kind; returns the release. The same name with another definition is refused. */
  register(def: MetaKindDefinition): () => void {
    const entry = this.defs.get(def.kind);
    if (entry && entry.def !== def) throw new Error(`metadata kind "${def.kind}" is already defined by another module`);
    if (!entry && !EXTENSION_KIND.test(def.kind)) throw new Error(`metadata kind "${def.kind}" must be named <module>.<kind> (a-z, 0-9, _)`);
    if (entry) entry.holders++;
    else this.defs.set(def.kind, { def, holders: 1, permanent: false });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.defs.get(def.kind);
      if (!current || current.permanent || current.def !== def) return;
      if (--current.holders > 0) return;
      this.defs.delete(def.kind);
      this.compiled.delete(def);
      // A later definition may reuse the schema's $id (a module reloaded in tests).
      if (typeof def.schema.$id === 'string' && this.added.delete(def.schema.$id)) this.ajv?.removeSchema(def.schema.$id);
    };
  }

  get(kind: string): MetaKindDefinition | undefined {
    return this.defs.get(kind)?.def;
  }

  /** In registration order: shipped kinds first, so their issues come in a stable order. */
  list(): MetaKindDefinition[] {
    return [...this.defs.values()].map((e) => e.def);
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  // Only meta-schemas of registered kinds are ever compiled here; tenant documents are data, never schemas.
  validator(def: MetaKindDefinition): ValidateFunction {
    const cached = this.compiled.get(def);
    if (cached) return cached;
    const ajv = this.schemas();
    const id = def.schema.$id;
    const validate = typeof id === 'string' ? ajv.getSchema(id) : ajv.compile(def.schema);
    if (!validate) throw new Error(`metadata kind "${def.kind}": its meta-schema ${String(id)} is not loaded`);
    this.compiled.set(def, validate);
    return validate;
  }

  // Every registered kind's schema is known to ajv before any is compiled: kinds reference each
  // other's definitions (automation actions are approval-flow actions), in any compile order.
  private schemas(): Ajv2020 {
    if (!this.ajv) {
      this.ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
      this.ajv.addSchema(commonSchema);
    }
    for (const { def } of this.defs.values()) {
      const id = def.schema.$id;
      if (typeof id !== 'string' || this.added.has(id)) continue;
      this.ajv.addSchema(def.schema);
      this.added.add(id);
    }
    return this.ajv;
  }
}
