import type { ServiceMapCall } from '../api/types';

/**
 * Where the service map draws its services and calls: callers left of what they call, in columns
 * (a service's column is the longest chain of calls leading to it), each column ordered to keep
 * lines from crossing. A call back to an earlier column (a cycle) is drawn as a curve, and a
 * service's calls to itself as a loop. Plain arithmetic, no graph library: maps have tens of nodes.
 */

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 44;
const COLUMN_GAP = 110;
const ROW_GAP = 36;
const PAD = 24;
/** Above and below the nodes: room for the curves of calls that skip columns or go back. */
const ARC_ROOM = 90;

export interface MapNode {
  readonly name: string;
  readonly column: number;
  readonly x: number;
  readonly y: number;
}

export interface MapEdge {
  readonly call: ServiceMapCall;
  /** Into an earlier or the same column: part of a cycle, drawn as a curve above the nodes. */
  readonly back: boolean;
  /** Past at least one column: drawn as a curve below the nodes, clear of those between. */
  readonly long: boolean;
  readonly self: boolean;
  readonly from: { x: number; y: number };
  readonly to: { x: number; y: number };
}

export interface MapLayout {
  readonly nodes: readonly MapNode[];
  readonly edges: readonly MapEdge[];
  readonly width: number;
  readonly height: number;
}

export function layoutServiceMap(services: readonly string[], calls: readonly ServiceMapCall[]): MapLayout {
  const names = [...new Set([...services, ...calls.flatMap((c) => [c.parent, c.child])])].sort();
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const c of calls) if (c.parent !== c.child) out.get(c.parent)?.push(c.child);
  for (const list of out.values()) list.sort();

  // Edges that close a cycle (to a service still on the depth-first path) are left out of the
  // columns; what remains has no cycle, so each service gets a column.
  const back = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const order: string[] = [];
  for (const start of names) {
    if (state.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const kids = out.get(top.name) ?? [];
      if (top.next >= kids.length) {
        state.set(top.name, 'done');
        order.push(top.name);
        stack.pop();
        continue;
      }
      const kid = kids[top.next++] as string;
      const seen = state.get(kid);
      if (seen === 'open') back.add(`${top.name}\u0000${kid}`);
      else if (seen === undefined) {
        state.set(kid, 'open');
        stack.push({ name: kid, next: 0 });
      }
    }
  }
  // Reverse post-order is a topological order of the forward edges: longest path from a source.
  const column = new Map<string, number>(names.map((n) => [n, 0]));
  for (const name of order.reverse()) {
    for (const kid of out.get(name) ?? []) {
      if (back.has(`${name}\u0000${kid}`)) continue;
      column.set(kid, Math.max(column.get(kid) ?? 0, (column.get(name) ?? 0) + 1));
    }
  }

  const columns: string[][] = [];
  for (const name of names) (columns[column.get(name) ?? 0] ??= []).push(name);
  // Order each column by the mean row of its callers in the column before (fewer crossings).
  const row = new Map<string, number>();
  const callers = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const c of calls) if (c.parent !== c.child) callers.get(c.child)?.push(c.parent);
  columns.forEach((col, i) => {
    if (i > 0) {
      const weight = (n: string): number => {
        const rows = (callers.get(n) ?? []).map((p) => row.get(p)).filter((r) => r !== undefined);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
      };
      col.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    }
    col.forEach((n, r) => row.set(n, r));
  });

  const tallest = Math.max(0, ...columns.map((c) => c.length));
  const body = tallest * NODE_HEIGHT + Math.max(0, tallest - 1) * ROW_GAP;
  // Room for curves only where there are some: above for cycles and self-calls, below for skips.
  const columnOf = (n: string): number => column.get(n) ?? 0;
  const above = calls.some((c) => columnOf(c.child) <= columnOf(c.parent)) ? ARC_ROOM : 0;
  const below = calls.some((c) => columnOf(c.child) > columnOf(c.parent) + 1) ? ARC_ROOM : 0;
  const height = PAD * 2 + above + below + body;
  const nodes: MapNode[] = [];
  columns.forEach((col, i) => {
    // Centred vertically, so a column of one sits level with the middle of a taller one.
    const top = PAD + above + (body - (col.length * NODE_HEIGHT + (col.length - 1) * ROW_GAP)) / 2;
    col.forEach((name, r) =>
      nodes.push({
        name,
        column: i,
        x: PAD + i * (NODE_WIDTH + COLUMN_GAP),
        y: top + r * (NODE_HEIGHT + ROW_GAP),
      }),
    );
  });
  const at = new Map(nodes.map((n) => [n.name, n]));
  const edges: MapEdge[] = calls.map((call) => {
    const p = at.get(call.parent) as MapNode;
    const c = at.get(call.child) as MapNode;
    const self = call.parent === call.child;
    const isBack = !self && c.column <= p.column;
    const long = !self && c.column > p.column + 1;
    const centre = (n: MapNode, side: 'top' | 'bottom'): { x: number; y: number } => ({
      x: n.x + NODE_WIDTH / 2,
      y: side === 'top' ? n.y : n.y + NODE_HEIGHT,
    });
    if (long) return { call, back: false, long, self, from: centre(p, 'bottom'), to: centre(c, 'bottom') };
    return {
      call,
      back: isBack,
      long,
      self,
      from: {
        x: isBack || self ? p.x + NODE_WIDTH / 2 : p.x + NODE_WIDTH,
        y: isBack || self ? p.y : p.y + NODE_HEIGHT / 2,
      },
      to: { x: isBack || self ? c.x + NODE_WIDTH / 2 : c.x, y: isBack || self ? c.y : c.y + NODE_HEIGHT / 2 },
    };
  });
  const width = PAD * 2 + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP;
  return { nodes, edges, width, height };
}
