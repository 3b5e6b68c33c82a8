import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('assembles events across chunk boundaries, CRLF and multi-line data, and drops comments', () => {
    const parser = new SseParser();
    expect(parser.push(': ping\n\nevent: snap')).toEqual([]);
    expect(parser.push('shot\ndata: {"a":\r')).toEqual([]);
    expect(parser.push('\ndata: 1}\r\n\r\ndata: plain\n')).toEqual([{ event: 'snapshot', data: '{"a":\n1}' }]);
    expect(parser.push('\nid: 7\nevent: end\ndata:x\n\n')).toEqual([
      { event: 'message', data: 'plain' },
      { event: 'end', data: 'x', id: '7' },
    ]);
  });
});
