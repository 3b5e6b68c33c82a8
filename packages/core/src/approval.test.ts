import { DecideApprovalBody, NO_APPROVALS, toolCallNeedsApproval } from './approval';
import { CreateNetworkBody, UpdateNetworkBody } from './network';

describe('approval settings', () => {
  it('are all off by default', () => {
    expect(CreateNetworkBody.parse({ name: 'n' })).toMatchObject({ approvals: NO_APPROVALS, approval_timeout_seconds: 86_400 });
    expect(CreateNetworkBody.parse({ name: 'n', approvals: { result: true } }).approvals).toEqual({ ...NO_APPROVALS, result: true });
  });

  it('hold a tool call by its own requires_approval whatever the policy, else by the policy', () => {
    const read = { side_effects: false, requires_approval: false };
    const write = { side_effects: true, requires_approval: false };
    const guarded = { side_effects: false, requires_approval: true };
    expect([read, write, guarded].map((t) => toolCallNeedsApproval(t, 'none'))).toEqual([false, false, true]);
    expect([read, write, guarded].map((t) => toolCallNeedsApproval(t, 'side_effects'))).toEqual([false, true, true]);
    expect([read, write, guarded].map((t) => toolCallNeedsApproval(t, 'all'))).toEqual([true, true, true]);
  });

  it('refuse unknown decisions, fields a client may not set, and empty updates', () => {
    expect(DecideApprovalBody.safeParse({ decision: 'approve' }).success).toBe(true);
    expect(DecideApprovalBody.safeParse({ answer: 'EMEA' }).success).toBe(true);
    expect(DecideApprovalBody.safeParse({ decision: 'maybe' }).success).toBe(false);
    expect(DecideApprovalBody.safeParse({ decision: 'approve', status: 'approved' }).success).toBe(false);
    expect(DecideApprovalBody.safeParse({ answer: '' }).success).toBe(false);
    expect(UpdateNetworkBody.safeParse({}).success).toBe(false);
    expect(UpdateNetworkBody.safeParse({ approvals: { tool_calls: 'some' } }).success).toBe(false);
    expect(UpdateNetworkBody.safeParse({ approvals: { result: true } }).success).toBe(true);
  });
});
