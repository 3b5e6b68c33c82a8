import { Fragment, useMemo, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from '../lib/markdown';

/**
 * Model output rendered from Markdown as React elements: text is escaped by React, no HTML from
 * the source reaches the page, and links are limited to http(s)/mailto (lib/markdown.ts).
 */
export function MarkdownView({ source, className }: { source: string; className?: string }) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  return <div className={`markdown ${className ?? ''}`}>{renderBlocks(blocks)}</div>;
}

function renderBlocks(blocks: Block[]): ReactNode {
  return blocks.map((block, i) => <Fragment key={i}>{renderBlock(block)}</Fragment>);
}

function renderBlock(block: Block): ReactNode {
  switch (block.type) {
    case 'heading': {
      const Tag = `h${Math.min(6, block.level + 1)}` as 'h2';
      return <Tag>{renderInline(block.children)}</Tag>;
    }
    case 'paragraph':
      return <p>{renderInline(block.children)}</p>;
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{renderListItem(item.children)}</li>);
      return block.ordered ? <ol start={block.start}>{items}</ol> : <ul>{items}</ul>;
    }
    case 'code':
      return (
        <pre>
          <code data-lang={block.lang || undefined}>{block.text}</code>
        </pre>
      );
    case 'quote':
      return <blockquote>{renderBlocks(block.children)}</blockquote>;
    case 'hr':
      return <hr />;
    case 'table':
      return (
        <table>
          <thead>
            <tr>
              {block.header.map((cell, i) => (
                <th key={i}>{renderInline(cell)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c}>{renderInline(cell)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
  }
}

/** A list item whose only block is a paragraph renders tight (no <p>). */
function renderListItem(children: Block[]): ReactNode {
  const [first, ...rest] = children;
  if (first?.type === 'paragraph') {
    return (
      <>
        {renderInline(first.children)}
        {renderBlocks(rest)}
      </>
    );
  }
  return renderBlocks(children);
}

function renderInline(nodes: Inline[]): ReactNode {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return <Fragment key={i}>{node.text}</Fragment>;
      case 'code':
        return <code key={i}>{node.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInline(node.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(node.children)}</em>;
      case 'del':
        return <del key={i}>{renderInline(node.children)}</del>;
      case 'link':
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(node.children)}
          </a>
        );
      case 'br':
        return <br key={i} />;
    }
  });
}
