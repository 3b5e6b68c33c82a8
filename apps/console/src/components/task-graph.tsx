import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useNodesState,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
  type NodeTypes,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { Agent, Subtask, Task } from '@mesh/core';
import { useEffect, useMemo, type ReactNode } from 'react';
import { formatDuration } from '../lib/format';
import { modelFallback } from '../lib/model-fallback';
import { layoutTaskGraph, type GraphEdgeKind } from '../lib/task-graph-layout';
import { summarizeToolCalls } from '../lib/tool-calls';
import { StatusBadge } from './status-badge';

type SubtaskNodeData = { subtask: Subtask; agentName: string | undefined; configuredModel: string | null; nowMs: number; selected: boolean };
type CoordinatorNodeData = { iteration: number; status: string; planned: number };
type ResultNodeData = { status: string; confidence: number | null };

type SubtaskNode = Node<SubtaskNodeData, 'subtask'>;
type CoordinatorNode = Node<CoordinatorNodeData, 'coordinator'>;
type ResultNode = Node<ResultNodeData, 'result'>;
type FlowNode = SubtaskNode | CoordinatorNode | ResultNode;

function runningMs(subtask: Subtask, nowMs: number): number | null {
  if (subtask.duration_ms !== null) return subtask.duration_ms;
  if (!subtask.started_at) return null;
  return (subtask.finished_at ? Date.parse(subtask.finished_at) : nowMs) - Date.parse(subtask.started_at);
}

function SubtaskNodeView({ data }: NodeProps<SubtaskNode>) {
  const { subtask } = data;
  const fallback = modelFallback(data.configuredModel, subtask.model);
  const tools = summarizeToolCalls(subtask.tool_calls);
  return (
    <div
      className={`graph-node graph-node-subtask node-${subtask.status} ${data.selected ? 'graph-node-selected' : ''}`}
      data-testid="graph-node-subtask"
      data-subtask-id={subtask.id}
      data-agent-type={subtask.agent_type}
      data-status={subtask.status}
      title={subtask.description}
    >
      <Handle type="target" position={Position.Left} />
      <div className="graph-node-head">
        <strong title={data.agentName}>{subtask.agent_type}</strong>
        <StatusBadge status={subtask.status} />
      </div>
      <div className="graph-node-key">{subtask.key}</div>
      <div className="graph-node-meta">
        <span data-testid="graph-node-duration">{formatDuration(runningMs(subtask, data.nowMs))}</span>
        {subtask.attempts > 1 && <span className="badge badge-warn">{subtask.attempts} attempts</span>}
      </div>
      {tools && (
        <div className="graph-node-tools">
          <span
            className={`badge ${tools.failed > 0 ? 'badge-failed' : tools.awaitingApproval > 0 ? 'badge-approval' : ''}`}
            data-testid="tool-calls-badge"
            data-failed={tools.failed}
            title={tools.running > 0 ? `${tools.running} running` : undefined}
          >
            {tools.label}
            {tools.failed > 0 && `, ${tools.failed} failed`}
            {tools.awaitingApproval > 0 && `, ${tools.awaitingApproval} awaiting approval`}
          </span>
        </div>
      )}
      {subtask.model && (
        <div className="graph-node-model" title={fallback ? `configured ${fallback.configured}, answered by ${fallback.answered}` : subtask.model}>
          {subtask.model}
          {fallback && (
            <span className="badge badge-warn" data-testid="fallback-badge">
              fallback
            </span>
          )}
        </div>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

/** The frame the coordinator and result nodes share: an input handle, the name with its status, then `children`. */
function StageNodeFrame({ kind, status, hasOutput, children }: { kind: 'coordinator' | 'result'; status: string; hasOutput: boolean; children: ReactNode }) {
  return (
    <div className={`graph-node graph-node-${kind} node-${status}`} data-testid={`graph-node-${kind}`} data-status={status}>
      <Handle type="target" position={Position.Left} />
      <div className="graph-node-head">
        <strong>{kind}</strong>
        <StatusBadge status={status} />
      </div>
      {children}
      {hasOutput && <Handle type="source" position={Position.Right} />}
    </div>
  );
}

function CoordinatorNodeView({ data }: NodeProps<CoordinatorNode>) {
  return (
    <StageNodeFrame kind="coordinator" status={data.status} hasOutput>
      <div className="graph-node-key">iteration {data.iteration}</div>
      <div className="graph-node-meta">{data.planned > 0 ? `planned ${data.planned} subtask${data.planned === 1 ? '' : 's'}` : data.status === 'completed' ? 'no further subtasks' : ' '}</div>
    </StageNodeFrame>
  );
}

function ResultNodeView({ data }: NodeProps<ResultNode>) {
  return (
    <StageNodeFrame kind="result" status={data.status} hasOutput={false}>
      <div className="graph-node-meta">{data.confidence !== null ? `confidence ${data.confidence.toFixed(2)}` : ' '}</div>
    </StageNodeFrame>
  );
}

const NODE_TYPES: NodeTypes = { subtask: SubtaskNodeView, coordinator: CoordinatorNodeView, result: ResultNodeView };

const EDGE_STYLE: Record<GraphEdgeKind, { stroke: string; strokeDasharray?: string }> = {
  plan: { stroke: '#7c8aa5' },
  depends: { stroke: '#3b5bdb' },
  feeds: { stroke: '#adb5bd', strokeDasharray: '5 4' },
};

/** Re-fits the view when nodes are added (a new iteration, new subtasks). */
function FitOnGrowth({ count }: { count: number }) {
  const flow = useReactFlow();
  useEffect(() => {
    const timer = setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1, duration: 200 }), 30);
    return () => clearTimeout(timer);
  }, [count, flow]);
  return null;
}

export interface TaskGraphProps {
  task: Task;
  agents: Agent[];
  selectedId: string | null;
  onSelect(subtaskId: string | null): void;
  /** A coordinator node (its iteration's plan) or the result node was clicked. */
  onSelectStage(stage: { kind: 'coordinator'; iteration: number } | { kind: 'result' }): void;
  nowMs: number;
}

export function TaskGraph({ task, agents, selectedId, onSelect, onSelectStage, nowMs }: TaskGraphProps) {
  const { nodes: laidOut, edges } = useMemo(() => {
    const graph = layoutTaskGraph(task);
    const agentById = new Map(agents.map((a) => [a.id, a]));
    const agentByType = new Map(agents.map((a) => [a.type, a]));
    const flowNodes: FlowNode[] = graph.nodes.map((n) => {
      const base = { id: n.id, position: { x: n.x, y: n.y }, draggable: false, connectable: false };
      if (n.kind === 'subtask' && n.subtask) {
        const agent = (n.subtask.agent_id ? agentById.get(n.subtask.agent_id) : undefined) ?? agentByType.get(n.subtask.agent_type);
        return {
          ...base,
          type: 'subtask',
          data: { subtask: n.subtask, agentName: agent?.name, configuredModel: agent?.model ?? null, nowMs, selected: n.id === selectedId },
        };
      }
      if (n.kind === 'coordinator') {
        const planned = (task.subtasks ?? []).filter((s) => s.iteration === n.iteration).length;
        return { ...base, type: 'coordinator', data: { iteration: n.iteration, status: n.status, planned } };
      }
      return { ...base, type: 'result', data: { status: n.status, confidence: task.result?.confidence ?? null } };
    });
    const running = new Set((task.subtasks ?? []).filter((s) => s.status === 'in_progress').map((s) => s.id));
    const flowEdges: Edge[] = graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      animated: running.has(e.target),
      style: EDGE_STYLE[e.kind],
      markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_STYLE[e.kind].stroke },
    }));
    return { nodes: flowNodes, edges: flowEdges };
  }, [task, agents, selectedId, nowMs]);

  // React Flow measures each node once it is rendered and keeps the size on the node object; a
  // fresh object without it would be hidden until measured again, so sizes carry over by id.
  const [nodes, setNodes, onNodesChange] = useNodesState<FlowNode>(laidOut);
  useEffect(() => {
    setNodes((previous) => {
      const measured = new Map(previous.map((n) => [n.id, n.measured]));
      return laidOut.map((n) => {
        const size = measured.get(n.id);
        return size ? ({ ...n, measured: size } as FlowNode) : n;
      });
    });
  }, [laidOut, setNodes]);

  return (
    <div className="task-graph" data-testid="task-graph">
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          nodeTypes={NODE_TYPES}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
          minZoom={0.2}
          // The page scrolls over the graph; it zooms with Ctrl (⌘ on macOS) + wheel, a pinch, or the buttons.
          zoomOnScroll={false}
          preventScrolling={false}
          zoomActivationKeyCode={['Control', 'Meta']}
          nodesDraggable={false}
          nodesConnectable={false}
          onNodeClick={(_event, node) => {
            if (node.type === 'subtask') onSelect(node.id);
            else if (node.type === 'coordinator') onSelectStage({ kind: 'coordinator', iteration: (node.data as CoordinatorNodeData).iteration });
            else onSelectStage({ kind: 'result' });
          }}
          onPaneClick={() => onSelect(null)}
        >
          <Background gap={20} color="#e9ecef" />
          <Controls showInteractive={false} />
          <FitOnGrowth count={nodes.length} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
