import { inlineText, parseInline, parseMarkdown, safeHref, type Block, type Inline } from '../src/lib/markdown';

/** Every string anywhere in the tree, to assert that markup survives only as text. */
function allText(blocks: Block[]): string {
  const inl = (nodes: Inline[]): string => inlineText(nodes);
  return blocks
    .map((b) => {
      switch (b.type) {
        case 'heading':
        case 'paragraph':
          return inl(b.children);
        case 'list':
          return b.items.map((i) => allText(i.children)).join('\n');
        case 'code':
          return b.text;
        case 'quote':
          return allText(b.children);
        case 'hr':
          return '';
        case 'table':
          return [...b.header, ...b.rows.flat()].map(inl).join('|');
      }
    })
    .join('\n');
}

describe('parseMarkdown', () => {
  it('reads the simulated provider style of output: headings, bold labels and lists', () => {
    const blocks = parseMarkdown('## content (content)\n\n**Subtask:** write copy\n\n- key features: AI\n- product name: X1\n');
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'list']);
    expect(blocks[0]).toMatchObject({ type: 'heading', level: 2, children: [{ type: 'text', text: 'content (content)' }] });
    expect(blocks[1]).toEqual({
      type: 'paragraph',
      children: [
        { type: 'strong', children: [{ type: 'text', text: 'Subtask:' }] },
        { type: 'text', text: ' write copy' },
      ],
    });
    const list = blocks[2] as Extract<Block, { type: 'list' }>;
    expect(list.ordered).toBe(false);
    expect(list.items.map((i) => allText(i.children))).toEqual(['key features: AI', 'product name: X1']);
  });

  it('keeps raw HTML as text: nothing in the tree can become markup', () => {
    const source = '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> **<b>bold</b>**';
    const blocks = parseMarkdown(source);
    expect(allText(blocks)).toContain('<script>alert(1)</script>');
    expect(allText(blocks)).toContain('<img src=x onerror=alert(1)>');
    expect(JSON.stringify(blocks)).not.toMatch(/"type":"html"/);
  });

  it('turns only http(s) and mailto targets into links', () => {
    expect(parseInline('[site](https://example.com/a?b=1)')).toEqual([
      { type: 'link', href: 'https://example.com/a?b=1', children: [{ type: 'text', text: 'site' }] },
    ]);
    expect(parseInline('[click](javascript:alert(1))')).toEqual([{ type: 'text', text: 'click' }]);
    expect(parseInline('[x](data:text/html,<b>)')).toEqual([{ type: 'text', text: 'x' }]);
    expect(safeHref('JAVASCRIPT:alert(1)')).toBeNull();
    expect(safeHref('mailto:team@example.com')).toBe('mailto:team@example.com');
    expect(safeHref('https://example.com/"onmouseover=')).toBeNull();
  });

  it('reads fenced code without interpreting its content', () => {
    const blocks = parseMarkdown('```html\n<b>**not bold**</b>\n```\nafter');
    expect(blocks[0]).toEqual({ type: 'code', lang: 'html', text: '<b>**not bold**</b>' });
    expect(blocks[1]).toMatchObject({ type: 'paragraph' });
  });

  it('reads ordered and nested lists, quotes, rules and tables', () => {
    const blocks = parseMarkdown('3. first\n4. second\n   - nested\n\n> quoted *text*\n\n---\n\n| a | b |\n|---|:-:|\n| 1 | `2` |');
    expect(blocks.map((b) => b.type)).toEqual(['list', 'quote', 'hr', 'table']);
    const list = blocks[0] as Extract<Block, { type: 'list' }>;
    expect(list).toMatchObject({ ordered: true, start: 3 });
    expect(list.items[1]?.children.map((b) => b.type)).toEqual(['paragraph', 'list']);
    const table = blocks[3] as Extract<Block, { type: 'table' }>;
    expect(table.header.map(inlineText)).toEqual(['a', 'b']);
    expect(table.rows[0]?.[1]).toEqual([{ type: 'code', text: '2' }]);
  });

  it('reads emphasis, strikethrough, code spans and escapes', () => {
    expect(parseInline('*em* and _em_ and ~~gone~~ and `a*b*` and \\*literal\\*')).toEqual([
      { type: 'em', children: [{ type: 'text', text: 'em' }] },
      { type: 'text', text: ' and ' },
      { type: 'em', children: [{ type: 'text', text: 'em' }] },
      { type: 'text', text: ' and ' },
      { type: 'del', children: [{ type: 'text', text: 'gone' }] },
      { type: 'text', text: ' and ' },
      { type: 'code', text: 'a*b*' },
      { type: 'text', text: ' and *literal*' },
    ]);
    expect(parseInline('snake_case_name stays')).toEqual([{ type: 'text', text: 'snake_case_name stays' }]);
    expect(parseInline('2 * 3 * 4')).toEqual([{ type: 'text', text: '2 * 3 * 4' }]);
  });

  it('survives hostile nesting and unterminated markup without throwing', () => {
    const deep = `${'> '.repeat(200)}text\n${'- '.repeat(200)}item\n${'**'.repeat(500)}\n[${'['.repeat(300)}`;
    const blocks = parseMarkdown(deep);
    expect(allText(blocks)).toContain('text');
    expect(parseMarkdown('```\nnever closed')).toEqual([{ type: 'code', lang: '', text: 'never closed' }]);
  });
});
