import type { AgentConfigInput } from '@mesh/core';

/** An agent being edited in a form: every field as text until it is submitted. */
export interface AgentDraft {
  name: string;
  type: string;
  model: string;
  description: string;
  temperature: string;
  maxTokens: string;
  capabilities: string;
}

export const emptyAgentDraft = (overrides: Partial<AgentDraft> = {}): AgentDraft => ({
  name: '',
  type: '',
  model: '',
  description: '',
  temperature: '0.7',
  maxTokens: '4000',
  capabilities: '',
  ...overrides,
});

/** The agent config the API takes; empty optional fields are left out so the API's defaults apply. */
export function toAgentConfig(draft: AgentDraft): AgentConfigInput {
  const temperature = Number.parseFloat(draft.temperature);
  const maxTokens = Number.parseInt(draft.maxTokens, 10);
  return {
    name: draft.name.trim(),
    type: draft.type.trim(),
    ...(draft.model.trim() ? { model: draft.model.trim() } : {}),
    description: draft.description.trim(),
    parameters: {
      temperature: Number.isFinite(temperature) ? temperature : 0.7,
      max_tokens: Number.isFinite(maxTokens) ? maxTokens : 4000,
    },
    capabilities: draft.capabilities
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  };
}

export function AgentFields({ draft, onChange, index }: { draft: AgentDraft; onChange(next: AgentDraft): void; index: number }) {
  const field = (key: keyof AgentDraft) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => onChange({ ...draft, [key]: e.target.value }),
  });
  return (
    <div className="agent-fields">
      <label>
        Name
        <input required {...field('name')} name={`agent-${index}-name`} placeholder="SEO Specialist" />
      </label>
      <label>
        Type
        <input required {...field('type')} name={`agent-${index}-type`} placeholder="seo" pattern="[a-z][a-z0-9_\-]{0,39}" title="lowercase slug: a-z, 0-9, _ or -" />
      </label>
      <label>
        Model
        <input {...field('model')} name={`agent-${index}-model`} placeholder="default chain" />
      </label>
      <label>
        Temperature
        <input type="number" min={0} max={2} step={0.1} {...field('temperature')} name={`agent-${index}-temperature`} />
      </label>
      <label>
        Max tokens
        <input type="number" min={1} max={200000} {...field('maxTokens')} name={`agent-${index}-max-tokens`} />
      </label>
      <label className="wide">
        Description
        <input {...field('description')} name={`agent-${index}-description`} />
      </label>
      <label className="wide">
        Capabilities <span className="muted">(comma-separated)</span>
        <input {...field('capabilities')} name={`agent-${index}-capabilities`} placeholder="keyword_analysis, seo_optimization" />
      </label>
    </div>
  );
}
