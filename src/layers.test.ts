/**
 * The structure of src/, checked from the code: the folders import each other in one direction
 * (no cycle between folders, counting `import type`, `export … from` and dynamic `import()`), and
 * only src/proc starts child processes. docs/architecture.md describes the layers.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { patternNames } from './patterns/registry.js';

const srcDir = dirname(fileURLToPath(import.meta.url));

/** Every non-test .ts file under `dir`, as paths relative to `dir` with '/' separators. */
function sourceFiles(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, under))) {
    const rel = under ? `${under}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...sourceFiles(dir, rel));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** The node a file belongs to: its top folder under src/, or the file itself when it sits in src/. */
function nodeOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(0, slash);
}

/** Relative module specifiers of a file: static, type-only, re-exports and dynamic `import()`. */
function relativeImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('./') || name.startsWith('../'));
}

/** Every relative import of `files` as [importing file, imported file], paths relative to src/. */
function fileImports(files: ReadonlyMap<string, string>): [string, string][] {
  return [...files].flatMap(([file, text]) =>
    relativeImports(text).map((spec): [string, string] => [
      file,
      relative('/src', resolve('/src', dirname(file), spec)).replace(/\.js$/, '.ts'),
    ]),
  );
}

/** One edge between two nodes with the file imports behind it ('engine/runner.ts → proc/spawn.ts'). */
export type FolderEdges = Map<string, Map<string, string[]>>;

/** The folder graph of `files` (path → text, paths relative to src/); `node` names a file's node. */
export function folderGraph(
  files: ReadonlyMap<string, string>,
  node: (file: string) => string = nodeOf,
): FolderEdges {
  const edges: FolderEdges = new Map();
  for (const [file, text] of files) {
    for (const spec of relativeImports(text)) {
      const target = relative('/src', resolve('/src', dirname(file), spec)).replace(/\.js$/, '.ts');
      const from = node(file);
      const to = node(target);
      if (from === to || target.startsWith('..')) continue;
      const out = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, out);
      out.set(to, [...(out.get(to) ?? []), `${file} → ${target}`]);
    }
  }
  return edges;
}

/**
 * The cycles of the folder graph: one per strongly connected component of more than one node,
 * written as the nodes of one cycle through it with the file imports behind each edge.
 */
export function folderCycles(
  edges: FolderEdges,
  allowed: (nodes: string[]) => boolean = () => false,
): string[] {
  const nodes = new Set<string>([...edges.keys()]);
  for (const out of edges.values()) for (const to of out.keys()) nodes.add(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 && !allowed(component)) components.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) strong(v);
  return components.map((component) => {
    const inside = new Set(component);
    const start = component[0] as string;
    // Shortest path start → … → start inside the component (breadth first).
    const previous = new Map<string, string>();
    const queue = [start];
    let found: string | undefined;
    while (queue.length > 0 && found === undefined) {
      const v = queue.shift() as string;
      for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
        if (!inside.has(w)) continue;
        if (w === start) {
          found = v;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = found as string; v !== start; v = previous.get(v) as string) path.splice(1, 0, v);
    path.push(start);
    const lines = path.slice(0, -1).map((from, i) => {
      const to = path[i + 1] as string;
      return `  ${from} → ${to}: ${(edges.get(from)?.get(to) ?? []).join(', ')}`;
    });
    const within = component.flatMap((from) =>
      [...(edges.get(from) ?? [])]
        .filter(([to]) => inside.has(to))
        .map(([to, imports]) => `${from} → ${to} (${imports.length})`),
    );
    return `cycle among ${component.join(', ')}: ${path.join(' → ')}\n${lines.join('\n')}\n  every edge among them: ${within.join(', ')}`;
  });
}

/** Files that import a value from node:child_process (type-only imports do not start processes). */
export function processStarters(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const childProcess = (node: ts.Node | undefined): boolean =>
    node !== undefined && ts.isStringLiteral(node) && /^(node:)?child_process$/.test(node.text);
  for (const [file, text] of files) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    let starts = false;
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && childProcess(node.moduleSpecifier)) {
        const clause = node.importClause;
        const named = clause?.namedBindings;
        const typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              named !== undefined &&
              ts.isNamedImports(named) &&
              named.elements.every((e) => e.isTypeOnly)));
        if (!typeOnly) starts = true;
      } else if (
        ts.isCallExpression(node) &&
        (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
        childProcess(node.arguments[0])
      ) {
        starts = true;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (starts) out.push(file);
  }
  return out.sort();
}

function readSources(): Map<string, string> {
  return new Map(sourceFiles(srcDir).map((f) => [f, readFileSync(join(srcDir, f), 'utf8')]));
}

test('the folders of src/ import each other in one direction (type-only and dynamic imports count)', () => {
  const cycles = folderCycles(folderGraph(readSources()));
  assert.deepEqual(cycles, [], `import cycles between folders of src/:\n${cycles.join('\n')}`);
});

test('files import each other in one direction too, but for a pattern and its lazily imported server and client', () => {
  const onePattern = (files: string[]): boolean =>
    new Set(files.map((f) => /^patterns\/[^/]+\//.exec(f)?.[0] ?? f)).size === 1;
  const cycles = folderCycles(
    folderGraph(readSources(), (file) => file),
    onePattern,
  );
  assert.deepEqual(cycles, [], `import cycles between files of src/:\n${cycles.join('\n')}`);
});

test('only src/proc starts child processes', () => {
  const outside = processStarters(readSources()).filter((f) => !f.startsWith('proc/'));
  assert.deepEqual(outside, [], `these files import node:child_process; ask src/proc instead`);
});

test('a load model knows no pattern: src/engine/load imports neither patterns/ nor toolkit/', () => {
  const reaching = fileImports(readSources()).filter(
    ([from, to]) => from.startsWith('engine/load/') && /^(patterns|toolkit)\//.test(to),
  );
  assert.deepEqual(reaching, []);
});

test('src/patterns holds the catalogue and one folder per catalogued pattern, reached only through the catalogue', () => {
  const entries = readdirSync(join(srcDir, 'patterns')).filter((n) => !n.endsWith('.test.ts'));
  assert.deepEqual(
    entries.filter((n) => !statSync(join(srcDir, 'patterns', n)).isDirectory()),
    ['registry.ts'],
  );
  const folders = entries.filter((n) => n !== 'registry.ts').sort();
  assert.deepEqual(folders, [...patternNames].sort());
  const catalogue = readFileSync(join(srcDir, 'patterns', 'registry.ts'), 'utf8');
  for (const name of folders) assert.ok(catalogue.includes(`import('./${name}/index.js')`), name);
  // Outside src/patterns a pattern's own files are imported only by claims, which judge named patterns.
  const reaching = fileImports(readSources()).filter(
    ([from, to]) => /^patterns\/[^/]+\//.test(to) && !/^(patterns|claims)\//.test(from),
  );
  assert.deepEqual(reaching, []);
});

test('the checks find a cycle through a type-only, a dynamic and a re-export edge, and a spawner', () => {
  const files = new Map([
    ['a/one.ts', "import type { B } from '../b/two.js';\nexport const a = 1;"],
    ['b/two.ts', "export type B = number;\nexport const load = () => import('../c/three.js');"],
    ['c/three.ts', "export { a } from '../a/one.js';\nimport { x } from './four.js';"],
    ['c/four.ts', "import type { ChildProcess } from 'node:child_process';\nexport const x = 1;"],
    ['d.ts', "import { spawn } from 'node:child_process';\nimport { a } from './a/one.js';"],
  ]);
  const cycles = folderCycles(folderGraph(files));
  assert.equal(cycles.length, 1);
  assert.match(cycles[0] as string, /^cycle among a, b, c: a → b → c → a\n/);
  assert.match(cycles[0] as string, /a → b: a\/one\.ts → b\/two\.ts/);
  assert.match(cycles[0] as string, /b → c: b\/two\.ts → c\/three\.ts/);
  assert.match(cycles[0] as string, /c → a: c\/three\.ts → a\/one\.ts/);
  assert.deepEqual(processStarters(files), ['d.ts']);
  const noCycle = new Map([...files].filter(([f]) => f !== 'c/three.ts'));
  assert.deepEqual(folderCycles(folderGraph(noCycle)), []);
});
