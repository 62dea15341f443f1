"""The self-contained HTML page of a graph: the description as JSON, DOT rebuilt in the page, layout by viz.js.

Clicking a folded block (a 3-D box) opens that module one level: its nodes and child modules appear inside a
cluster. The JavaScript `toDot` mirrors graph_build.to_dot; the layout is always the vendored Graphviz.
"""

from __future__ import annotations

import json
from pathlib import Path

VENDOR = Path(__file__).parent / "_vendor" / "viz-standalone.js"

_SCRIPT = r"""
const BLOCK_FILL = "#e6f4e6";
const q = s => '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") + '"';
function prefixes(path) {
  const parts = path ? path.split(".") : [], out = [""];
  for (let i = 0; i < parts.length; i++) out.push(parts.slice(0, i + 1).join("."));
  return out;
}
function placement(owner, modules, open) {
  const chain = [];
  for (const p of prefixes(owner)) {
    if (!(p in modules)) continue;
    if (!open.has(p)) return [p, chain];
    if (p) chain.push(p);
  }
  return [null, chain];
}
function toDot(desc, open) {
  const modules = desc.modules, ids = {}, display = {}, drawn = new Set(), tree = {items: [], children: new Map()};
  desc.order.forEach((p, i) => ids[p] = "m" + i);
  const sub = chain => { let n = tree; for (const p of chain) { if (!n.children.has(p))
    n.children.set(p, {items: [], children: new Map()}); n = n.children.get(p); } return n; };
  for (const it of desc.nodes) {
    const [block, chain] = placement(it.owner, modules, open);
    if (block === null) {
      display[it.id] = it.id;
      const fill = it.fill ? `, style=filled, fillcolor="${it.fill}"` : "";
      sub(chain).items.push(`${it.id} [shape=${it.shape}${fill}, label=${q(it.label)}];`);
    } else {
      display[it.id] = ids[block];
      if (!drawn.has(block)) {
        drawn.add(block);
        sub(chain).items.push(`${ids[block]} [shape=box3d, style=filled, fillcolor="${BLOCK_FILL}", ` +
          `id=${q("block:" + block)}, label=${q(modules[block].label)}];`);
      }
    }
  }
  const lines = ["digraph glassgrad {",
    '  rankdir=BT; fontname="Helvetica"; node [fontname="Helvetica", fontsize=10];'];
  const emit = (n, ind) => {
    for (const t of n.items) lines.push(ind + t);
    for (const [p, c] of n.children) {
      lines.push(`${ind}subgraph cluster_${ids[p]} {`);
      lines.push(`${ind}  label=${q(modules[p].title)}; style=rounded; color="#888888";`);
      emit(c, ind + "  "); lines.push(ind + "}");
    }
  };
  emit(tree, "  ");
  const seen = new Set();
  for (const [s, t, label] of desc.edges) {
    const a = display[s], b = display[t], folded = a !== s || b !== t, key = a + ">" + b;
    if (a === b || (folded && seen.has(key))) continue;
    seen.add(key);
    lines.push(`  ${a} -> ${b}${label && !folded ? ` [label=${q(label)}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
const open = new Set(OPEN);
let viz = null;
function draw() {
  const host = document.getElementById("graph");
  host.replaceChildren(viz.renderSVGElement(DESC ? toDot(DESC, open) : STATIC_DOT));
  for (const g of host.querySelectorAll('g.node[id^="block:"]')) {
    g.style.cursor = "pointer";
    g.addEventListener("click", () => { open.add(g.id.slice(6)); draw(); });
  }
  const blocks = host.querySelectorAll('g.node[id^="block:"]').length;
  document.getElementById("state").textContent = host.querySelectorAll("g.node").length + " nodes drawn" +
    (blocks ? "; click a green 3-D box to open that module one level." : ".");
}
Viz.instance().then(v => { viz = v; draw(); });
"""


def page(description: dict | None, open_modules: set, dot: str, title: str = "glassgrad graph") -> str:
    """One HTML page, no network: the vendored viz.js inlined, the graph as JSON, folding by clicks (a drawing
    with no description, such as a scalar zoom, is drawn from its DOT as it is)."""
    vendored = VENDOR.read_text(encoding="utf-8").replace("</script", "<\\/script")
    data = json.dumps(description).replace("</", "<\\/")
    opened = json.dumps(sorted(open_modules)).replace("</", "<\\/")
    static = json.dumps(dot).replace("</", "<\\/")
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\n"
        "<p id=\"state\"></p>\n<div id=\"graph\"></div>\n"
        f"<script>{vendored}</script>\n"
        f"<script>const DESC = {data};\nconst OPEN = {opened};\nconst STATIC_DOT = {static};\n"
        f"{_SCRIPT}</script>\n</body></html>\n"
    )
