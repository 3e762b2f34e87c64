/**
 * cJSON_Print's formatted layout (tabs, `"key":\t value`, arrays inline with ", "),
 * which mod_conference's json_list returns. JSON.stringify cannot produce it.
 */
export function cjsonPrint(v: unknown, depth = 0): string {
  if (Array.isArray(v)) return `[${v.map((x) => cjsonPrint(x, depth + 1)).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    const pad = '\t'.repeat(depth + 1);
    if (!entries.length) return `{\n${'\t'.repeat(depth)}}`;
    return `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}:\t${cjsonPrint(x, depth + 1)}`).join(',\n')}\n${'\t'.repeat(depth)}}`;
  }
  return JSON.stringify(v);
}
