/**
 * Walks the `properties` of a JSON Schema (following local `#/$defs/` references) and answers which
 * dot paths a contract declares. Used to check identifier mappings and classifications, and to find
 * fields an event carries that its contract does not declare (drift).
 */
export interface DeclaredTree {
  /** Declared child properties, or undefined when the object is open (any property allowed). */
  readonly children: ReadonlyMap<string, DeclaredTree>;
  readonly closed: boolean;
  readonly items?: DeclaredTree;
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

const deref = (schema: Json, root: Json, seen: Set<string>): Json => {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/') || seen.has(ref)) return schema;
  seen.add(ref);
  const target = asObject(asObject(root.$defs)?.[ref.slice('#/$defs/'.length)]);
  return target ? deref(target, root, seen) : schema;
};

export const declaredTree = (schema: Json, root: Json = schema, depth = 0): DeclaredTree => {
  const node = deref(schema, root, new Set());
  const children = new Map<string, DeclaredTree>();
  const properties = asObject(node.properties);
  if (properties && depth < 32) {
    for (const [name, child] of Object.entries(properties)) {
      const childSchema = asObject(child);
      children.set(name, childSchema ? declaredTree(childSchema, root, depth + 1) : { children: new Map(), closed: false });
    }
  }
  const itemsSchema = asObject(node.items);
  return {
    children,
    closed: node.additionalProperties === false,
    ...(itemsSchema && depth < 32 ? { items: declaredTree(itemsSchema, root, depth + 1) } : {}),
  };
};

export const hasDeclaredPath = (tree: DeclaredTree, path: string): boolean => {
  let node: DeclaredTree | undefined = tree;
  for (const part of path.split('.')) {
    node = node?.children.get(part);
    if (!node) return false;
  }
  return true;
};

/** Dot paths of the declared leaves (properties with no declared children of their own). */
export const declaredLeaves = (tree: DeclaredTree, prefix = ''): string[] => {
  const out: string[] = [];
  for (const [name, child] of tree.children) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child.children.size === 0) out.push(path);
    else out.push(...declaredLeaves(child, path));
  }
  return out;
};

/**
 * JSON-pointer paths of the fields in `value` that the tree does not declare, for open schemas
 * where validation accepts them. Arrays are walked through their `items` declaration.
 */
export const undeclaredPaths = (tree: DeclaredTree, value: unknown, pointer = '', out: string[] = [], limit = 20): string[] => {
  if (out.length >= limit) return out;
  if (Array.isArray(value)) {
    if (tree.items) for (const item of value) undeclaredPaths(tree.items, item, `${pointer}/*`, out, limit);
    return out;
  }
  const object = asObject(value);
  if (!object || tree.children.size === 0) return out;
  for (const [key, child] of Object.entries(object)) {
    const declared = tree.children.get(key);
    if (!declared) {
      if (!out.includes(`${pointer}/${key}`)) out.push(`${pointer}/${key}`);
      if (out.length >= limit) return out;
    } else {
      undeclaredPaths(declared, child, `${pointer}/${key}`, out, limit);
    }
  }
  return out;
};
