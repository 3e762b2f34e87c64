/**
 * A small XML reader for FreeSWITCH configuration files: elements, attributes,
 * comments, processing instructions and CDATA. Text content is ignored (the dialplan
 * keeps everything in attributes), so no dependency is needed.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

export class XmlError extends Error {}

export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) throw new XmlError('unterminated CDATA');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) throw new XmlError('unterminated declaration');
      i = end + 1;
      continue;
    }
    if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) throw new XmlError('unterminated end tag');
      const name = text.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (!top || top.name !== name) throw new XmlError(`mismatched </${name}>`);
      i = end + 1;
      continue;
    }
    // start tag: scan to the closing '>' outside quotes
    let j = lt + 1;
    let quote = '';
    while (j < text.length) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      }
      j++;
    }
    if (j >= text.length) throw new XmlError('unterminated start tag');
    let inner = text.slice(lt + 1, j);
    const selfClosing = inner.endsWith('/');
    if (selfClosing) inner = inner.slice(0, -1);
    const nameMatch = /^\s*([^\s/>]+)/.exec(inner);
    if (!nameMatch?.[1]) throw new XmlError('missing tag name');
    const el: XmlElement = { name: nameMatch[1], attrs: {}, children: [] };
    const attrRe = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;
    let m: RegExpExecArray | null;
    const rest = inner.slice(nameMatch[0].length);
    while ((m = attrRe.exec(rest))) {
      el.attrs[m[1] as string] = decodeEntities(m[3] ?? m[4] ?? '');
    }
    (stack[stack.length - 1] as XmlElement).children.push(el);
    if (!selfClosing) stack.push(el);
    i = j + 1;
  }
  if (stack.length !== 1) throw new XmlError(`unclosed <${stack[stack.length - 1]?.name ?? '?'}>`);
  return root;
}

/** Depth-first walk over all elements. */
export function* walk(el: XmlElement): Generator<XmlElement> {
  for (const c of el.children) {
    yield c;
    yield* walk(c);
  }
}
