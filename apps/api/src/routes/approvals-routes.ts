import { Approval, ApprovalList, ApprovalListQuery, ConflictError, DecideApprovalBody, NotFoundError } from '@mesh/core';
import { toApproval } from '@mesh/store';
import { announceApprovalDecided } from '@mesh/tasks';
import { checkedDecision } from '../approval-decision';
import { requireNetwork } from '../require-network';
import { ApprovalParams, NetworkParams, TaskParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'approvals';

export const approvalRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/approvals',
    summary: "List a network's requests for a person, newest first; ?status=pending is the inbox",
    tag: TAG,
    params: NetworkParams,
    query: ApprovalListQuery,
    responses: { 200: { description: 'The requests', schema: ApprovalList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      return { status: 200, body: { approvals: await deps.store.approvals.listForNetwork(tenantId, params.network_id, query) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id/approvals',
    summary: "List a task's requests for a person, in the order they were made",
    tag: TAG,
    params: TaskParams,
    responses: { 200: { description: 'The requests', schema: ApprovalList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      return { status: 200, body: { approvals: await deps.store.approvals.listForTask(tenantId, params.task_id) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/approvals/:approval_id',
    summary: 'Get a request for a person with its subject (the plan, the tool call and its arguments, the result draft, or the question)',
    tag: TAG,
    params: ApprovalParams,
    responses: { 200: { description: 'The request', schema: Approval } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const approval = await deps.store.approvals.get(tenantId, params.approval_id, params.network_id);
      if (!approval) throw new NotFoundError('Approval', params.approval_id);
      return { status: 200, body: toApproval(approval) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/approvals/:approval_id',
    summary:
      'Decide: {"decision": "approve"|"reject", "comment"?, "edits"?} — edits replace the plan\'s subtasks ({"subtasks": [...]}), a tool call\'s arguments ' +
      '({"arguments": {...}}) or the result ({"content", "confidence"?, "explanation"?}) — or answer a question: {"answer": "..."}. ' +
      'The task goes on at once. 400 for a decision that does not fit (nothing changes); 409 when it was decided already, has expired or its task has ended',
    tag: TAG,
    params: ApprovalParams,
    body: DecideApprovalBody,
    responses: { 200: { description: 'The decided request', schema: Approval } },
    errors: [400, 404, 409, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      const approval = await deps.store.approvals.get(tenantId, params.approval_id, params.network_id);
      if (!approval) throw new NotFoundError('Approval', params.approval_id);
      if (approval.status === 'pending' && approval.expires_at.getTime() <= Date.now()) {
        // Overdue: it expires now (counting as rejected) and the task goes on, before the 409.
        for (const expired of await deps.store.approvals.expireDue(1, { approvalId: approval.id })) await announceApprovalDecided(deps, expired, expired.task_priority);
        throw new ConflictError(`The approval expired at ${approval.expires_at.toISOString()}`, { status: 'expired' });
      }
      const decidedBy = body.decided_by ?? `tenant:${tenantId}`;
      const decision = await checkedDecision(deps, approval, body, decidedBy);
      // One guarded UPDATE: of two deciders at once exactly one gets here, the other a 409.
      const decided = await deps.store.approvals.decide(tenantId, params.approval_id, decision, params.network_id);
      await announceApprovalDecided(deps, decided, decided.task_priority);
      deps.logger.info('a person decided', { tenant_id: tenantId, network_id: params.network_id, task_id: decided.task_id, approval_id: decided.id, kind: decided.kind, status: decided.status });
      return { status: 200, body: toApproval(decided) };
    },
  }),
];
