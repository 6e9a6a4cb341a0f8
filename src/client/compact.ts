/**
 * The client script as served: its whole-line `//` comments and leading indentation left out.
 * The source keeps its comments (they say why); visitors' browsers need none of them, and the
 * script's 3 KB gzipped cap (README "The beacon and the client script") is for what is sent.
 * Safe for p13n.browser.js because it has no template literal and no string across lines (a
 * test holds that): removing a line's leading spaces, or a line that is only a comment, then
 * changes no token. Lines keep their breaks, so automatic semicolons fall where they did.
 *
 * @example
 * compactScript('(function () {\n  // why\n  var a = 1; // kept\n})();'); // '(function () {\nvar a = 1; // kept\n})();'
 */
export function compactScript(source: string): string {
  return source
    .split("\n")
    .filter((line) => !/^\s*\/\//.test(line))
    .map((line) => line.trimStart())
    .join("\n");
}
