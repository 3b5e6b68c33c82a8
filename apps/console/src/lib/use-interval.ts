import { useEffect, useRef } from 'react';

/** Calls `callback` every `intervalMs` while the component is mounted (the latest callback, without restarting the timer). */
export function useInterval(callback: () => void, intervalMs: number): void {
  const callbackRef = useRef(callback);
  callbackRef.current = callback;
  useEffect(() => {
    const timer = setInterval(() => callbackRef.current(), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
}
