import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  type GraphQLNamedType,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type FieldNode,
} from 'graphql';

function fragments(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  }
  return map;
}

/** Refuses documents whose field nesting is deeper than `max` (fragments followed, cycles cut). */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const frags = fragments(context);
    const depthOf = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depthOf(sel.selectionSet, visiting));
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, visiting));
        } else {
          const name = sel.name.value;
          const frag = frags.get(name);
          if (!frag || visiting.has(name)) continue;
          deepest = Math.max(deepest, depthOf(frag.selectionSet, new Set([...visiting, name])));
        }
        if (deepest > max) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) {
          context.reportError(new GraphQLError(`the query is nested ${depth} levels deep; the limit is ${max}`, { nodes: [node], extensions: { code: 'depth_limit' } }));
        }
      },
    };
  };
}

function intArg(field: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg.value.kind === Kind.VARIABLE) {
    const v = variables[arg.value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/**
 * Estimates the work a document asks for: each field costs 1, and a field with a `limit`
 * argument (given, or its schema default) multiplies the cost of what it selects.
 */
export function complexityLimit(max: number, variables: Record<string, unknown> = {}): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const frags = fragments(context);
    const schema = context.getSchema();
    const costOf = (set: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined | null, visiting: Set<string>): number => {
      if (!set) return 0;
      let total = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
          const children = costOf(sel.selectionSet, def ? getNamedType(def.type) : undefined, visiting);
          const limitDefault = def?.args.find((a) => a.name === 'limit')?.defaultValue;
          const limit = intArg(sel, 'limit', variables) ?? (typeof limitDefault === 'number' ? limitDefault : undefined);
          total += 1 + Math.max(1, limit ?? 1) * children;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          total += costOf(sel.selectionSet, type, visiting);
        } else {
          const name = sel.name.value;
          const frag = frags.get(name);
          if (frag && !visiting.has(name)) total += costOf(frag.selectionSet, schema.getType(frag.typeCondition.name.value), new Set([...visiting, name]));
        }
        if (total > max) return total;
      }
      return total;
    };
    return {
      OperationDefinition(node) {
        const root = node.operation === 'mutation' ? schema.getMutationType() : node.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
        const cost = costOf(node.selectionSet, root, new Set());
        if (cost > max) {
          context.reportError(new GraphQLError(`the query is too complex (cost ${cost}, limit ${max})`, { nodes: [node], extensions: { code: 'complexity_limit' } }));
        }
      },
    };
  };
}
