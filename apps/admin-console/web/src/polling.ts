import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api } from './api';

export interface Polled<T> {
  data: T | undefined;
  error: ApiProblem | undefined;
  /** When the last successful answer arrived. */
  updatedAt: Date | undefined;
}

/**
 * Asks `path` now and then every `intervalMs` (the next request starts only after the previous one
 * ended, so a slow server is never flooded); keeps the last good answer while a later one fails.
 */
export function usePolling<T>(path: string | null, intervalMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, updatedAt: undefined });
  useEffect(() => {
    setState({ data: undefined, error: undefined, updatedAt: undefined });
    if (path === null) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const data = await api<T>(path, { signal: abort.signal });
        setState({ data, error: undefined, updatedAt: new Date() });
      } catch (error) {
        if (abort.signal.aborted) return;
        setState((before) => ({ ...before, error: error as ApiProblem }));
      }
      if (!abort.signal.aborted) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, intervalMs]);
  return state;
}

/** One request per change of `path` (null: none); `reload` asks again. */
export function useFetched<T>(path: string | null): Polled<T> & { loading: boolean; reload: () => void } {
  const [state, setState] = useState<Polled<T> & { loading: boolean }>({
    data: undefined,
    error: undefined,
    updatedAt: undefined,
    loading: false,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ data: undefined, error: undefined, updatedAt: undefined, loading: false });
      return;
    }
    const abort = new AbortController();
    setState((before) => ({ ...before, loading: true }));
    api<T>(path, { signal: abort.signal }).then(
      (data) => setState({ data, error: undefined, updatedAt: new Date(), loading: false }),
      (error: ApiProblem) => {
        if (!abort.signal.aborted) setState({ data: undefined, error, updatedAt: undefined, loading: false });
      },
    );
    return () => abort.abort();
  }, [path, generation]);
  return { ...state, reload: () => setGeneration((n) => n + 1) };
}
