import { isTerminalTaskStatus, NotFoundError, type Task, type TaskEvent } from '@mesh/core';
import type { Response } from 'express';
import type { ApiDeps } from './api-deps';

export type StreamDeps = Pick<ApiDeps, 'store' | 'events' | 'config' | 'logger' | 'metrics' | 'lifecycle'>;

/**
 * A task's events as Server-Sent Events. Subscribing comes before reading the snapshot, so an
 * event published in between is sent after it rather than lost. Events come from Redis pub/sub,
 * so it does not matter which process did the work.
 *
 *   id: 1  event: snapshot        data: the task as GET returns it (with subtasks)
 *   id: n  event: task.status     data: TaskEvent
 *   id: n  event: subtask.status  data: TaskEvent
 *   id: n  event: end             data: the final task; then the stream closes
 *   ": ping" comment lines every MESH_SSE_PING_MS (15 s)
 */
export class TaskEventStream {
  private readonly pending: TaskEvent[] = [];
  private sink: ((event: TaskEvent) => void) | undefined;

  private constructor(
    private readonly deps: StreamDeps,
    private readonly tenantId: string,
    private snapshot: Task,
    private readonly unsubscribe: () => Promise<void>,
  ) {}

  /** Subscribes, then loads the task: 404 (after unsubscribing) when it is missing or another tenant's. */
  static async open(deps: StreamDeps, tenantId: string, networkId: string, taskId: string): Promise<TaskEventStream> {
    let stream: TaskEventStream | undefined;
    const early: TaskEvent[] = [];
    const unsubscribe = await deps.events.subscribe(taskId, (event) => (stream ? stream.receive(event) : early.push(event)));
    try {
      const task = await deps.store.tasks.get(tenantId, taskId, networkId);
      if (!task) throw new NotFoundError('Task', taskId);
      stream = new TaskEventStream(deps, tenantId, task, unsubscribe);
      for (const event of early) stream.receive(event);
      return stream;
    } catch (err) {
      await unsubscribe();
      throw err;
    }
  }

  private receive(event: TaskEvent): void {
    if (this.sink) this.sink(event);
    else this.pending.push(event);
  }

  /** Streams until the task ends, the client leaves or the API drains. */
  pipeTo(res: Response): Promise<void> {
    const { deps } = this;
    let nextId = 0;
    let closed = false;
    let work = Promise.resolve();
    let done!: () => void;
    let ping: NodeJS.Timeout | undefined;
    let stopDrainWatch: (() => void) | undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));

    const write = (chunk: string) => {
      if (!closed) res.write(chunk);
    };
    const send = (event: string, data: unknown) => write(`id: ${++nextId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      stopDrainWatch?.();
      deps.metrics.sseConnections.dec();
      this.sink = undefined;
      this.unsubscribe().catch(() => {});
      res.end();
      done();
    };
    const end = async (status: Task['status']) => {
      const task = (await deps.store.tasks.get(this.tenantId, this.snapshot.id).catch(() => null)) ?? { ...this.snapshot, status };
      send('end', task);
      close();
    };
    const handle = async (event: TaskEvent) => {
      if (closed) return;
      send(event.type, event);
      if (event.type === 'task.status' && isTerminalTaskStatus(event.status)) await end(event.status);
    };

    res.writeHead(res.statusCode || 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies (nginx) must not buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    deps.metrics.sseConnections.inc();
    res.on('close', close);
    // The ping also re-reads the status: a terminal event lost while Redis reconnected still ends
    // the stream. Only when a second ping still sees it, so the event itself (in flight) comes first.
    let endedUnannounced = false;
    ping = setInterval(() => {
      write(': ping\n\n');
      work = work.then(async () => {
        const row = await deps.store.tasks.getRow(this.tenantId, this.snapshot.id).catch(() => undefined);
        if (closed || row === undefined) return;
        const ended = row === null || isTerminalTaskStatus(row.status);
        if (ended && endedUnannounced) await end(row?.status ?? 'cancelled');
        endedUnannounced = ended;
      });
    }, deps.config.sse.pingMs);
    stopDrainWatch = deps.lifecycle.onDrain(() => {
      // Clients reconnect (to another instance) and get a fresh snapshot.
      write('retry: 1000\n\n');
      close();
    });
    if (closed) return finished;

    send('snapshot', this.snapshot);
    if (isTerminalTaskStatus(this.snapshot.status)) {
      send('end', this.snapshot);
      close();
      return finished;
    }
    // Events are handled one after another, in the order they arrived.
    this.sink = (event) => {
      work = work.then(() => handle(event)).catch((err: unknown) => deps.logger.warn('task event stream failed', { task_id: this.snapshot.id, error: err }));
    };
    for (const event of this.pending.splice(0)) this.sink(event);
    return finished;
  }
}
