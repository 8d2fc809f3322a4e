import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { checkKeys } from '../http/json.ts';
import { ApiError } from '../http/errors.ts';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function literal(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literal(v, variables));
    case Kind.OBJECT: {
      const out: Record<string, unknown> = {};
      for (const field of node.fields) {
        // Assigning `__proto__` would change the object's prototype; refuse it before assigning.
        if (FORBIDDEN.has(field.name.value)) throw new GraphQLError(`the key "${field.name.value}" is not allowed`, { extensions: { code: 'forbidden_key' } });
        out[field.name.value] = literal(field.value, variables);
      }
      return out;
    }
    case Kind.VARIABLE:
      return variables?.[node.name.value];
    default:
      throw new GraphQLError('not a JSON value', { extensions: { code: 'invalid_json' } });
  }
}

function checked(value: unknown): unknown {
  try {
    checkKeys(value, 'the argument');
  } catch (error) {
    // Text that cannot be stored keeps its own code (invalid_text); anything else is a poisoning key.
    if (error instanceof ApiError && error.code !== 'forbidden_key') throw new GraphQLError(error.message, { extensions: { code: error.code } });
    throw new GraphQLError('the argument uses a forbidden key', { extensions: { code: 'forbidden_key' } });
  }
  return value;
}

/** Arbitrary JSON (filters, record data), with prototype-poisoning keys refused. */
export const GraphQLJSON = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => checked(value),
  parseLiteral: (node, variables) => checked(literal(node, variables)),
});
