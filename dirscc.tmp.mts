import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
const SRC = process.argv[2] ?? "/work/wt/pipeline/src";
const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => /\.(ts|js)$/.test(f));
const mod = (f: string) => f.includes("/") ? f.split("/")[0]+"/" : f;
const edges = new Map<string, Set<string>>();
const why = new Map<string, string[]>();
for (const f of files) {
  const info = ts.preProcessFile(readFileSync(join(SRC, f), "utf8"), true, true);
  for (const i of info.importedFiles) {
    if (!i.fileName.startsWith(".")) continue;
    const t = join(dirname(f), i.fileName);
    const a = mod(f), b = mod(t);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
    const k = `${a}->${b}`; if (!why.has(k)) why.set(k, []); why.get(k)!.push(`${f} -> ${t}`);
  }
}
// tarjan
let idx=0; const I=new Map(),L=new Map(),S:string[]=[],on=new Set();const comps:string[][]=[];
const nodes=new Set([...edges.keys(),...[...edges.values()].flatMap(s=>[...s])]);
function vis(v:string){I.set(v,idx);L.set(v,idx);idx++;S.push(v);on.add(v);for(const w of edges.get(v)??[]){if(!I.has(w)){vis(w);L.set(v,Math.min(L.get(v),L.get(w)))}else if(on.has(w))L.set(v,Math.min(L.get(v),I.get(w)))}
if(L.get(v)===I.get(v)){const c=[];let w;do{w=S.pop();on.delete(w);c.push(w)}while(w!==v);if(c.length>1)comps.push(c)}}
for(const v of nodes) if(!I.has(v)) vis(v);
for (const c of comps) { console.log("SCC:", c.join(" ")); for (const a of c) for (const b of c) if (edges.get(a)?.has(b)) console.log(`  ${a} -> ${b}: ${why.get(`${a}->${b}`)!.join(", ")}`); }
