import { callLabel, callTotals, isCoordinatorCall, parseCoordinatorOutput, shortCallLabel, splitMemoryBlocks } from '../src/lib/llm-calls';

const call = (over: Partial<Parameters<typeof callLabel>[0]>) => ({ purpose: 'plan', subtask_key: null, agent_type: null, iteration: null, turn: null, ...over });

describe('the call inspector', () => {
  it('names each call by what it was for', () => {
    expect(callLabel(call({ purpose: 'plan', iteration: 2 }))).toBe('Coordinator plan (iteration 2)');
    expect(callLabel(call({ purpose: 'plan_repair', iteration: 1 }))).toBe('Coordinator plan repair (iteration 1)');
    expect(callLabel(call({ purpose: 'finalize', iteration: 3 }))).toBe('Coordinator synthesis');
    expect(callLabel(call({ purpose: 'subtask', subtask_key: 'copy', agent_type: 'content' }))).toBe('Subtask copy · content');
    expect(callLabel(call({ purpose: 'subtask', subtask_key: 'content', agent_type: 'content', turn: 1 }))).toBe('Subtask content, turn 2');
    expect(callLabel(call({ purpose: 'moderation' }))).toBe('moderation');
    expect([shortCallLabel({ purpose: 'plan', iteration: 2 }), shortCallLabel({ purpose: 'plan_repair', iteration: 1 }), shortCallLabel({ purpose: 'finalize', iteration: 3 })]).toEqual(['plan 2', 'repair 1', 'synthesis']);
    expect(isCoordinatorCall({ purpose: 'finalize', subtask_id: null })).toBe(true);
    expect(isCoordinatorCall({ purpose: 'subtask', subtask_id: 'x' })).toBe(false);
  });

  it('marks the memory blocks of a prompt and keeps every character', () => {
    const prompt = 'Iteration 1\n\n<data name="task">\nWrite\n</data>\n\n<data name="memory">\n- [fact] teal\n</data>\n\n<data name="results">\nnone\n</data>';
    const parts = splitMemoryBlocks(prompt);
    expect(parts.map((p) => p.text).join('')).toBe(prompt);
    expect(parts.filter((p) => p.memory).map((p) => p.text)).toEqual(['<data name="memory">\n- [fact] teal\n</data>']);
    expect(splitMemoryBlocks('no memory here')).toEqual([{ text: 'no memory here', memory: false }]);
  });

  it("reads a coordinator's decision defensively: a plan, a result, or null for text that is not JSON", () => {
    const plan = parseCoordinatorOutput(
      JSON.stringify({ task_complete: false, reasoning: 'Split it', subtasks: [{ key: 'a', agent_type: 'content', description: 'Write', depends_on: [] }, { key: 'b', agent_type: 'design', description: 'Draw', depends_on: [], attachments: ['chart.png'] }, 'junk'], new_memories: [{ type: 'fact', content: 'x' }], result: null }),
    );
    expect(plan).toEqual({
      reasoning: 'Split it',
      subtasks: [
        { key: 'a', agent_type: 'content', description: 'Write', depends_on: [], attachments: [] },
        { key: 'b', agent_type: 'design', description: 'Draw', depends_on: [], attachments: ['chart.png'] },
      ],
      result: null, newMemories: [{ type: 'fact', content: 'x' }] });
    expect(parseCoordinatorOutput(JSON.stringify({ reasoning: '', result: { content: '# Done', confidence: 0.8 } }))?.result).toEqual({ content: '# Done', confidence: 0.8 });
    expect(parseCoordinatorOutput('Sorry, not JSON')).toBeNull();
    expect(parseCoordinatorOutput(null)).toBeNull();
  });

  it('sums calls, attempts, tokens, fallbacks and failures', () => {
    const base = { input_tokens: 10, output_tokens: 5, cost_usd: 0.5, fell_back: false, outcome: 'success', attempts: [{}] };
    const totals = callTotals([base, { ...base, fell_back: true, attempts: [{}, {}] }, { ...base, outcome: 'error' }] as never);
    expect(totals).toEqual({ calls: 3, attempts: 4, inputTokens: 30, outputTokens: 15, costUsd: 1.5, fallbacks: 1, failed: 1 });
  });
});
