import { describe, expect, it } from 'vitest';
import { graphql, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { GraphQLJSON } from '../src/graphql/json-scalar.ts';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { echo: { type: GraphQLJSON, args: { v: { type: GraphQLJSON } }, resolve: (_r, args: { v: unknown }) => args.v } },
  }),
});

describe('JSON scalar', () => {
  it('reads every kind of literal and variable', async () => {
    const res = await graphql({ schema, source: 'query($x: JSON) { echo(v: {s: "a", b: true, i: 1, f: 1.5, n: null, l: [1, "x"], o: {x: $x}}) }', variableValues: { x: [1] } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.echo).toEqual({ s: 'a', b: true, i: 1, f: 1.5, n: null, l: [1, 'x'], o: { x: [1] } });
    const viaVar = await graphql({ schema, source: 'query($v: JSON) { echo(v: $v) }', variableValues: { v: { a: 1 } } });
    expect(viaVar.data?.echo).toEqual({ a: 1 });
  });

  it('refuses prototype-poisoning keys in literals and variables', async () => {
    const literal = await graphql({ schema, source: '{ echo(v: {a: {constructor: 1}}) }' });
    expect(literal.errors?.[0]?.message).toMatch(/not allowed/);
    const variable = await graphql({ schema, source: 'query($v: JSON) { echo(v: $v) }', variableValues: { v: JSON.parse('{"__proto__": {"x": 1}}') } });
    expect(variable.errors?.[0]?.message).toMatch(/forbidden key/);
    const enumLiteral = await graphql({ schema, source: '{ echo(v: SOMETHING) }' });
    expect(enumLiteral.errors?.length).toBe(1);
  });
});
