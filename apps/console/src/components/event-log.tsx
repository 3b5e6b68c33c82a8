import { useState } from 'react';
import { EVENT_KINDS, filterEvents, type EventLogEntry } from '../lib/event-log';
import { formatTime } from '../lib/format';

/** The task's event stream as a live list, newest last, filtered by kind and text. */
export function EventLog({ entries, live }: { entries: readonly EventLogEntry[]; live: boolean }) {
  const [kinds, setKinds] = useState<Set<string>>(new Set());
  const [text, setText] = useState('');
  const shown = filterEvents(entries, kinds, text);
  const toggle = (kind: string) => {
    const next = new Set(kinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    setKinds(next);
  };
  return (
    <div className="event-log" data-testid="event-log">
      <div className="form-row event-log-filters">
        <label>
          Filter
          <input name="event-filter" type="search" value={text} placeholder="text in the events" onChange={(e) => setText(e.target.value)} />
        </label>
        <fieldset className="choice">
          {EVENT_KINDS.map((kind) => (
            <label key={kind}>
              <input type="checkbox" name={`event-kind-${kind}`} checked={kinds.has(kind)} onChange={() => toggle(kind)} /> {kind}
            </label>
          ))}
        </fieldset>
      </div>
      <p className="muted small" data-testid="event-log-count">
        {shown.length === entries.length ? `${entries.length} events` : `${shown.length} of ${entries.length} events`}
        {live ? ' · live' : ''}
      </p>
      {shown.length > 0 && (
        <ol className="event-log-list">
          {shown.map((e) => (
            <li key={e.seq} data-testid="event" data-event={e.event}>
              <span className="muted small">{formatTime(e.at)}</span> <code>{e.event}</code> {e.summary}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
