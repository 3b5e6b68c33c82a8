/**
 * A small Markdown parser for model output, which is untrusted. It produces a tree of plain
 * data that the console renders as React elements, so every piece of text is escaped by React
 * and no HTML from the input ever reaches the page: raw HTML in the source stays visible text,
 * and links keep only http(s) and mailto targets.
 *
 * Supported: ATX headings, paragraphs, hard breaks, bullet and numbered lists (nested by
 * indentation), fenced and indented code, block quotes, horizontal rules, pipe tables, and
 * inline code, strong, emphasis, strikethrough and links.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'del'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'br' };

export interface ListItem {
  children: Block[];
}

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'list'; ordered: boolean; start: number; items: ListItem[] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'quote'; children: Block[] }
  | { type: 'hr' }
  | { type: 'table'; header: Inline[][]; rows: Inline[][][] };

/** Deeper structures are flattened to text: hostile input cannot make the parser recurse without bound. */
const MAX_DEPTH = 8;

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

const isBlank = (line: string): boolean => line.trim() === '';

/** The parsed document; never throws. */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n');
  return parseBlocks(lines, 0);
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] ?? '```';
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trim().startsWith(marker)) body.push(lines[i++] ?? '');
      i++; // the closing fence (or the end)
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = (heading[1] ?? '#').length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ type: 'heading', level, children: parseInline(heading[2] ?? '', depth) });
      i++;
      continue;
    }
    if (HR.test(line)) {
      blocks.push({ type: 'hr' });
      i++;
      continue;
    }
    if (line.startsWith('    ')) {
      const body: string[] = [];
      while (i < lines.length && ((lines[i] ?? '').startsWith('    ') || isBlank(lines[i] ?? ''))) body.push((lines[i++] ?? '').slice(4));
      while (body.length > 0 && isBlank(body[body.length - 1] ?? '')) body.pop();
      blocks.push({ type: 'code', lang: '', text: body.join('\n') });
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && !isBlank(lines[i] ?? '')) {
        const quoted = QUOTE.exec(lines[i] ?? '');
        body.push(quoted ? (quoted[1] ?? '') : (lines[i] ?? ''));
        i++;
      }
      blocks.push(depth < MAX_DEPTH ? { type: 'quote', children: parseBlocks(body, depth + 1) } : paragraph(body, depth));
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const parsed = parseList(lines, i, depth);
      blocks.push(parsed.block);
      i = parsed.next;
      continue;
    }
    if (line.includes('|') && TABLE_DELIMITER.test(lines[i + 1] ?? '') && (lines[i + 1] ?? '').includes('-')) {
      const header = splitRow(line).map((cell) => parseInline(cell, depth));
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && !isBlank(lines[i] ?? '') && (lines[i] ?? '').includes('|')) {
        rows.push(splitRow(lines[i++] ?? '').map((cell) => parseInline(cell, depth)));
      }
      blocks.push({ type: 'table', header, rows });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length && !isBlank(lines[i] ?? '') && !startsOtherBlock(lines[i] ?? '')) body.push(lines[i++] ?? '');
    if (body.length === 0) body.push(lines[i++] ?? '');
    blocks.push(paragraph(body, depth));
  }
  return blocks;
}

function startsOtherBlock(line: string): boolean {
  return HEADING.test(line) || HR.test(line) || FENCE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line);
}

function paragraph(lines: string[], depth: number): Block {
  const children: Inline[] = [];
  lines.forEach((line, index) => {
    const hardBreak = / {2,}$/.test(line) || line.endsWith('\\');
    const text = line.trim().replace(/\\$/, '');
    children.push(...parseInline(text, depth));
    if (index < lines.length - 1) children.push(hardBreak ? { type: 'br' } : { type: 'text', text: ' ' });
  });
  return { type: 'paragraph', children: mergeText(children) };
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function parseList(lines: string[], start: number, depth: number): { block: Block; next: number } {
  const first = LIST_ITEM.exec(lines[start] ?? '');
  const ordered = first ? /\d/.test(first[2] ?? '') : false;
  const startNumber = ordered ? Number.parseInt(first?.[2] ?? '1', 10) : 1;
  const items: ListItem[] = [];
  let i = start;
  while (i < lines.length) {
    const match = LIST_ITEM.exec(lines[i] ?? '');
    if (!match || /\d/.test(match[2] ?? '') !== ordered) break;
    const contentIndent = (match[1] ?? '').length + (match[2] ?? '').length + Math.max(1, (match[3] ?? ' ').length);
    const body = [match[4] ?? ''];
    i++;
    // Continuation: indented lines, and blank lines followed by indented ones.
    while (i < lines.length) {
      const next = lines[i] ?? '';
      if (isBlank(next)) {
        const after = lines[i + 1] ?? '';
        if (!isBlank(after) && indentOf(after) >= Math.min(contentIndent, 2)) {
          body.push('');
          i++;
          continue;
        }
        break;
      }
      if (indentOf(next) >= Math.min(contentIndent, 2)) {
        body.push(next.slice(Math.min(indentOf(next), contentIndent)));
        i++;
        continue;
      }
      if (LIST_ITEM.test(next) || startsOtherBlock(next)) break;
      body.push(next.trim()); // lazy continuation of the item's paragraph
      i++;
    }
    items.push({ children: depth < MAX_DEPTH ? parseBlocks(body, depth + 1) : [paragraph(body, depth)] });
    // A blank line between items of the same list is allowed.
    if (isBlank(lines[i] ?? 'x') && LIST_ITEM.test(lines[i + 1] ?? '') && indentOf(lines[i + 1] ?? '') < 2) i++;
  }
  return { block: { type: 'list', ordered, start: startNumber, items }, next: i };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Only these link targets become links; anything else (javascript:, data:, relative) stays text. */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  return /^(https?:\/\/|mailto:)[^\s<>"']+$/i.test(trimmed) ? trimmed : null;
}

const ESCAPABLE = new Set('\\`*_{}[]()#+-.!|~>'.split(''));

/** Inline markup of one block's text. */
export function parseInline(text: string, depth = 0): Inline[] {
  if (depth >= MAX_DEPTH) return [{ type: 'text', text }];
  const out: Inline[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push({ type: 'text', text: buffer });
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '\\' && ESCAPABLE.has(text[i + 1] ?? '')) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      const ticks = /^`+/.exec(text.slice(i))?.[0] ?? '`';
      const close = text.indexOf(ticks, i + ticks.length);
      if (close > 0) {
        flush();
        out.push({ type: 'code', text: text.slice(i + ticks.length, close).replace(/^ (.+) $/, '$1') });
        i = close + ticks.length;
        continue;
      }
    }
    if (ch === '[') {
      const link = parseLink(text, i);
      if (link) {
        flush();
        const children = parseInline(link.label, depth + 1);
        const href = safeHref(link.href);
        if (href) out.push({ type: 'link', href, children });
        else out.push(...children);
        i = link.end;
        continue;
      }
    }
    const autolink = /^https?:\/\/[^\s<>"'()[\]]+[^\s<>"'()[\].,;:!?]/i.exec(text.slice(i));
    if (autolink && (i === 0 || /[\s(]/.test(text[i - 1] ?? ''))) {
      flush();
      out.push({ type: 'link', href: autolink[0], children: [{ type: 'text', text: autolink[0] }] });
      i += autolink[0].length;
      continue;
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      const emphasis = parseEmphasis(text, i, depth);
      if (emphasis) {
        flush();
        out.push(emphasis.node);
        i = emphasis.end;
        continue;
      }
    }
    buffer += ch;
    i++;
  }
  flush();
  return mergeText(out);
}

function parseLink(text: string, open: number): { label: string; href: string; end: number } | null {
  let level = 0;
  let close = -1;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === '[') level++;
    if (text[j] === ']' && --level === 0) {
      close = j;
      break;
    }
  }
  if (close < 0 || text[close + 1] !== '(') return null;
  // The target may itself hold balanced parentheses (`(https://x.org/a_(b))`).
  let end = -1;
  let parens = 0;
  for (let j = close + 2; j < text.length; j++) {
    if (text[j] === '(') parens++;
    else if (text[j] === ')' && parens-- === 0) {
      end = j;
      break;
    }
  }
  if (end < 0) return null;
  const target = text.slice(close + 2, end).trim().split(/\s+/)[0] ?? '';
  return { label: text.slice(open + 1, close), href: target.replace(/^<(.*)>$/, '$1'), end: end + 1 };
}

function parseEmphasis(text: string, at: number, depth: number): { node: Inline; end: number } | null {
  const ch = text[at] ?? '';
  const run = ch === '~' ? (text.startsWith('~~', at) ? '~~' : null) : text.startsWith(ch + ch, at) ? ch + ch : ch;
  if (!run) return null;
  const innerStart = at + run.length;
  // Opening delimiters must be followed by non-space; `_` must not sit inside a word.
  if (/\s/.test(text[innerStart] ?? ' ')) return null;
  if (ch === '_' && /[A-Za-z0-9]/.test(text[at - 1] ?? '')) return null;
  let search = innerStart + 1;
  while (search <= text.length) {
    const close = text.indexOf(run, search);
    if (close < 0) return null;
    const before = text[close - 1] ?? '';
    const after = text[close + run.length] ?? '';
    const validClose = !/\s/.test(before) && (ch !== '_' || !/[A-Za-z0-9]/.test(after)) && (run.length === 2 || after !== ch);
    if (validClose && close > innerStart) {
      const children = parseInline(text.slice(innerStart, close), depth + 1);
      const node: Inline = run === '~~' ? { type: 'del', children } : run.length === 2 ? { type: 'strong', children } : { type: 'em', children };
      return { node, end: close + run.length };
    }
    search = close + 1;
  }
  return null;
}

function mergeText(nodes: Inline[]): Inline[] {
  const merged: Inline[] = [];
  for (const node of nodes) {
    const last = merged[merged.length - 1];
    if (node.type === 'text' && last?.type === 'text') merged[merged.length - 1] = { type: 'text', text: last.text + node.text };
    else merged.push(node);
  }
  return merged;
}

/** Plain text of inline nodes (titles, tooltips). */
export function inlineText(nodes: Inline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : n.type === 'br' ? '\n' : inlineText(n.children))).join('');
}
