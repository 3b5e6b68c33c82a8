import { assertValidTools, derivedToolCallId, toolArguments, toolNameDecoder, wireToolName, type ConversationMessage, type ToolDefinition } from './conversation';

const objectSchema = { type: 'object', properties: {} };
const tool = (name: string): ToolDefinition => ({ name, description: name, inputSchema: objectSchema });

describe('tool names on the wire', () => {
  it('encodes dots as __ and leaves names the providers accept unchanged', () => {
    expect(wireToolName('analytics.getCampaignStats')).toBe('analytics__getCampaignStats');
    expect(wireToolName('crm.accounts.lookup_by-id')).toBe('crm__accounts__lookup_by-id');
    expect(wireToolName('send_email')).toBe('send_email');
    expect(wireToolName('files/read file')).toBe('files_read_file');
  });

  it('keeps every encoded name within ^[a-zA-Z0-9_-]{1,64}$, long names distinct', () => {
    const long = `mcp.${'very_long_server_name.'.repeat(4)}`;
    const a = wireToolName(`${long}tool_a`);
    const b = wireToolName(`${long}tool_b`);
    for (const name of [a, b, wireToolName('ü.ß')]) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(a).not.toBe(b);
  });

  it('round trip: the names a model answers with decode to the names the caller offered', () => {
    const tools = ['analytics.getCampaignStats', 'crm.lookup_account', 'send_email', `mcp.${'x'.repeat(80)}`].map(tool);
    const decode = toolNameDecoder(tools);
    for (const t of tools) expect(decode(wireToolName(t.name))).toBe(t.name);
    // A name the model made up comes back as sent, for the loop to answer "unknown tool".
    expect(decode('made_up_tool')).toBe('made_up_tool');
  });

  it('decodes names of earlier tool calls too, even when the tool is no longer offered', () => {
    const messages: ConversationMessage[] = [{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'old.tool', arguments: {} }] }];
    expect(toolNameDecoder([], messages)('old__tool')).toBe('old.tool');
  });

  it('refuses tools that could not be told apart on the wire, twice-offered tools and non-object schemas', () => {
    expect(() => assertValidTools([tool('a.b'), tool('a__b')])).toThrow('tools a.b and a__b have the same wire name a__b');
    expect(() => assertValidTools([tool('a'), tool('a')])).toThrow('tool a is offered twice');
    expect(() => assertValidTools([{ name: 'x', description: 'x', inputSchema: { type: 'string' } }])).toThrow('inputSchema must be a JSON Schema with type "object"');
    expect(() => assertValidTools([tool('analytics.getCampaignStats'), tool('crm.lookup_account')])).not.toThrow();
  });
});

describe('tool call arguments', () => {
  it('parses a JSON object string; "" means no arguments', () => {
    expect(toolArguments('{"campaignId":"c-1"}')).toEqual({ arguments: { campaignId: 'c-1' } });
    expect(toolArguments({ campaignId: 'c-1' })).toEqual({ arguments: { campaignId: 'c-1' } });
    expect(toolArguments('')).toEqual({ arguments: {} });
  });

  it('keeps unparseable or non-object arguments as malformedArguments, with arguments {}', () => {
    expect(toolArguments('{"campaignId": "c-')).toEqual({ arguments: {}, malformedArguments: '{"campaignId": "c-' });
    expect(toolArguments('[1,2]')).toEqual({ arguments: {}, malformedArguments: '[1,2]' });
    expect(toolArguments(42)).toEqual({ arguments: {}, malformedArguments: '42' });
  });
});

it('derived tool call ids are stable for the same place in a conversation and differ elsewhere', () => {
  const start: ConversationMessage[] = [{ role: 'user', content: 'x' }];
  const id = derivedToolCallId(start, 0, 'lookup', { q: 1 });
  expect(id).toMatch(/^call_[0-9a-f]{24}$/);
  expect(derivedToolCallId([{ role: 'user', content: 'x' }], 0, 'lookup', { q: 1 })).toBe(id);
  expect(derivedToolCallId(start, 1, 'lookup', { q: 1 })).not.toBe(id);
  const later: ConversationMessage[] = [...start, { role: 'assistant', content: '', toolCalls: [{ id, name: 'lookup', arguments: { q: 1 } }] }, { role: 'tool', toolCallId: id, name: 'lookup', content: 'r' }];
  expect(derivedToolCallId(later, 0, 'lookup', { q: 1 })).not.toBe(id);
});
