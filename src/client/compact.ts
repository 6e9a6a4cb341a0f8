/**
 * The client script as served: its whole-line `//` comments, its whole-line JSDoc blocks
 * (`/** … *\/`, the types `// @ts-check` reads) and leading indentation left out. The source
 * keeps its comments and types (they say why, and what); visitors' browsers need none of them,
 * and the script's 3 KB gzipped cap (README "The beacon and the client script") is for what is
 * sent. A `/*!` banner is kept. Safe for p13n.browser.js because it has no template literal and
 * no string across lines, and each JSDoc block starts its first line and ends its last (a test
 * holds these): removing a line's leading spaces, or lines that are only a comment, then changes
 * no token. Other lines keep their breaks, so automatic semicolons fall where they did.
 *
 * @example
 * compactScript('(function () {\n  // why\n  /** @type {number} *\/\n  var a = 1; // kept\n})();'); // '(function () {\nvar a = 1; // kept\n})();'
 */
export function compactScript(source: string): string {
  const kept: string[] = [];
  let inDoc = false;
  for (const line of source.split("\n")) {
    const text = line.trim();
    // A line that opens a JSDoc block and has code after its close is code, and stays.
    if (!inDoc && text.startsWith("/**") && (!text.includes("*/") || text.endsWith("*/"))) inDoc = true;
    if (inDoc) {
      if (text.endsWith("*/")) inDoc = false;
      continue;
    }
    if (!text.startsWith("//")) kept.push(line.trimStart());
  }
  return kept.join("\n");
}
