/**
 * Everything a report shows comes from the user's program (function names, file paths,
 * property names, strings) and is untrusted: text goes through escapeHtml, data through
 * jsonForScript. Nothing user-controlled is ever put into an attribute without escaping or
 * into a script as code.
 */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<` is written as `\u003c`,
 * so no string can close the script element or open a comment, and U+2028/U+2029 are escaped
 * for old parsers. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Library code inlined into a `<script>`: a `</script` or `<!--` inside one of its strings or
 * regular expressions would end the element early. `<\/script` means the same in JavaScript
 * strings and regular expressions, and `<\!--` likewise.
 */
export function scriptSafe(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

/** CSS inlined into `<style>`: only `</style` could end it. */
export function styleSafe(css: string): string {
  return css.replace(/<\/style/gi, '<\\/style');
}
