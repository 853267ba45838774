import type { Node } from 'acorn';

/** Walking acorn's syntax trees: the few helpers the source readers (call-lines, declarations, package-calls) share. */

export const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'range') continue;
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === 'string') out.push(v as Node);
    } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') out.push(value as Node);
  }
  return out;
}

/** The name a node stands for: an identifier, a string key, a member's property (`a.b.c` → c). */
export function nameOf(node: Node | undefined): string | null {
  if (!node) return null;
  const n = node as unknown as { type: string; name?: string; value?: unknown; computed?: boolean; property?: Node };
  if (n.type === 'Identifier' || n.type === 'PrivateIdentifier') return n.name ?? null;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'MemberExpression') return nameOf(n.property);
  return null;
}
