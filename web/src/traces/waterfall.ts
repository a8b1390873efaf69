import type { TraceSpanItem } from '../api/types';

/**
 * A trace as the waterfall draws it: spans in tree order (each after its parent, siblings by start
 * time), their depth and their place on the trace's time axis, and the critical path. Pure, so it
 * is tested without a browser.
 */

export interface WaterfallRow {
  readonly span: TraceSpanItem;
  readonly depth: number;
  /** From the trace's start, ms. */
  readonly offsetMs: number;
  readonly hasChildren: boolean;
  /** The parts of this span on the critical path, as offsets from the trace's start. */
  readonly critical: readonly CriticalSegment[];
}

export interface CriticalSegment {
  readonly spanId: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface Waterfall {
  readonly rows: readonly WaterfallRow[];
  /** Epoch ms of the earliest span. */
  readonly startMs: number;
  /** From the earliest start to the latest end. */
  readonly durationMs: number;
  /** Services in name order: a service's colour is its place here. */
  readonly services: readonly string[];
  /** The critical path from the trace's start to its end. */
  readonly criticalPath: readonly CriticalSegment[];
}

/** A span in the tree, with the end of everything under it. */
interface Node {
  readonly span: TraceSpanItem;
  readonly start: number;
  readonly end: number;
  /** The latest end of this span and all spans under it. */
  subtreeEnd: number;
  readonly children: Node[];
}

/**
 * Builds the tree. A span whose parent is not in the trace (not sent yet, or sent by a service that
 * does not trace) is a root of its own; duplicate span ids keep the first; spans caught in a parent
 * cycle (bad input) become roots too, so that every span sent is shown once.
 */
function buildTree(spans: readonly TraceSpanItem[]): Node[] {
  const byId = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const span of spans) {
    if (byId.has(span.spanId)) continue;
    const start = span.start;
    const end = span.start + Math.max(0, span.durationMs);
    const node: Node = { span, start, end, subtreeEnd: end, children: [] };
    byId.set(span.spanId, node);
    nodes.push(node);
  }
  const roots: Node[] = [];
  for (const node of nodes) {
    const parent = node.span.parentSpanId ? byId.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: Node, b: Node): number =>
    a.start - b.start || a.span.spanId.localeCompare(b.span.spanId);

  // Reachable from a root, depth first without recursion (a trace may be deep).
  const reached = new Set<Node>();
  const visit = (root: Node): void => {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (reached.has(node)) continue;
      reached.add(node);
      stack.push(...node.children);
    }
  };
  for (const root of roots) visit(root);
  for (const node of nodes) {
    if (reached.has(node)) continue;
    // In a cycle: cut it here, by leaving this span's parent out.
    for (const other of nodes) {
      const i = other.children.indexOf(node);
      if (i >= 0) other.children.splice(i, 1);
    }
    roots.push(node);
    visit(node);
  }
  for (const node of nodes) node.children.sort(byStart);
  roots.sort(byStart);
  computeSubtreeEnds(roots);
  return roots;
}

/** Each node's subtreeEnd, children before parents (post-order, without recursion). */
function computeSubtreeEnds(roots: readonly Node[]): void {
  const order: Node[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    order.push(node);
    stack.push(...node.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as Node;
    for (const child of node.children) node.subtreeEnd = Math.max(node.subtreeEnd, child.subtreeEnd);
  }
}

/**
 * The critical path: the chain of work that determines when the trace ends. From the root whose
 * subtree ends last, walking back from that end: a span's own time counts until the child that
 * finished last (with everything under it) before that moment; then that child's path; then the
 * span again, back to that child's start; and so on to the span's start. A child that outlives its
 * parent (work handed off and not waited for) is followed too, since it is what the trace waits for;
 * children hidden behind a longer sibling are not on the path. Segments come back in time order,
 * in epoch ms.
 */
function criticalPathOf(roots: readonly Node[]): CriticalSegment[] {
  const last = roots.reduce<Node | undefined>(
    (a, b) => (a && a.subtreeEnd >= b.subtreeEnd ? a : b),
    undefined,
  );
  if (!last) return [];
  const segments: CriticalSegment[] = [];
  const own = (node: Node, from: number, to: number): void => {
    // Only while the span itself ran: time after it ended, before a later child, is nobody's.
    const a = Math.max(from, node.start);
    const b = Math.min(to, node.end);
    if (b > a) segments.push({ spanId: node.span.spanId, fromMs: a, toMs: b });
  };
  interface Frame {
    readonly node: Node;
    /** Where the walk back in this span has got to. */
    at: number;
    /** Children by subtree end, latest first; `next` is the first not yet passed over. */
    readonly kids: readonly Node[];
    next: number;
  }
  const frame = (node: Node): Frame => ({
    node,
    at: node.subtreeEnd,
    kids: [...node.children].sort((a, b) => b.subtreeEnd - a.subtreeEnd || a.start - b.start),
    next: 0,
  });
  const stack: Frame[] = [frame(last)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    // A child still running at `at` overlaps the path already taken: it is not waited for.
    while (f.next < f.kids.length && (f.kids[f.next] as Node).subtreeEnd > f.at) f.next++;
    const child = f.at > f.node.start ? f.kids[f.next] : undefined;
    if (!child) {
      own(f.node, f.node.start, f.at);
      stack.pop();
      continue;
    }
    f.next++;
    own(f.node, child.subtreeEnd, f.at);
    f.at = child.start;
    stack.push(frame(child));
  }
  return segments.reverse();
}

/** The waterfall of a trace's spans (any order). */
export function layoutWaterfall(spans: readonly TraceSpanItem[]): Waterfall {
  const roots = buildTree(spans);
  const startMs = spans.length ? Math.min(...spans.map((s) => s.start)) : 0;
  const endMs = roots.reduce((m, r) => Math.max(m, r.subtreeEnd), startMs);
  const path = criticalPathOf(roots).map((s) => ({
    spanId: s.spanId,
    fromMs: s.fromMs - startMs,
    toMs: s.toMs - startMs,
  }));
  const bySpan = new Map<string, CriticalSegment[]>();
  for (const s of path) bySpan.set(s.spanId, [...(bySpan.get(s.spanId) ?? []), s]);

  const rows: WaterfallRow[] = [];
  const stack: { node: Node; depth: number }[] = [...roots].reverse().map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Node; depth: number };
    rows.push({
      span: node.span,
      depth,
      offsetMs: node.start - startMs,
      hasChildren: node.children.length > 0,
      critical: bySpan.get(node.span.spanId) ?? [],
    });
    for (let i = node.children.length - 1; i >= 0; i--)
      stack.push({ node: node.children[i] as Node, depth: depth + 1 });
  }
  const services = [...new Set(spans.map((s) => s.service))].sort();
  return { rows, startMs, durationMs: endMs - startMs, services, criticalPath: path };
}

/**
 * Rows left after folding: the descendants of a folded span are hidden. `folded` holds span ids.
 */
export function visibleRows(rows: readonly WaterfallRow[], folded: ReadonlySet<string>): WaterfallRow[] {
  const out: WaterfallRow[] = [];
  let hideDeeperThan = Infinity;
  for (const row of rows) {
    if (row.depth > hideDeeperThan) continue;
    hideDeeperThan = folded.has(row.span.spanId) ? row.depth : Infinity;
    out.push(row);
  }
  return out;
}
