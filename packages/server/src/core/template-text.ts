/**
 * The text of a WhatsApp message template (issue #15 §8): its body's
 * placeholders (`{{1}}` positional or `{{first_name}}` named) and the body
 * with values filled in, as the customer reads it.
 */

/** `{{1}}` → `1`, `{{first_name}}` → `first_name`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The template's body placeholders in order of first appearance. */
export function placeholdersOf(body: string | null): string[] {
  const seen: string[] = [];
  for (const m of (body ?? '').matchAll(PLACEHOLDER)) if (m[1] && !seen.includes(m[1])) seen.push(m[1]);
  return seen;
}

/** The body with its placeholders replaced by `variables` (in placeholder order). */
export function renderTemplate(body: string | null, placeholders: string[], variables: string[]): string {
  return (body ?? '').replace(PLACEHOLDER, (_, name: string) => {
    const i = placeholders.indexOf(name);
    return i >= 0 ? (variables[i] ?? '') : '';
  });
}
