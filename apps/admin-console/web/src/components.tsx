import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiProblem } from './api';

/**
 * A page's heading. It takes the focus when the page opens, so keyboard and screen-reader users
 * land on the new page instead of staying on the link they followed.
 */
export function PageHeading({ children }: { children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A failed request, announced at once (role=alert). */
export function ProblemMessage({ error, what }: { error: ApiProblem | undefined; what: string }) {
  if (!error) return null;
  return (
    <p role="alert" class="problem">
      Could not load {what}: {error.message}
      {error.status ? ` (${error.status} ${error.code})` : ''}
    </p>
  );
}

/** Seconds as a short human duration: 0.4 s, 12 s, 3 min 5 s, 2 h 1 min. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 10) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export const formatNumber = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined
    ? '—'
    : value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export const formatTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '—';

/** A figure with its label, for the summary cards at the top of a page. */
export function Figure(props: {
  label: string;
  value: ComponentChildren;
  tone?: 'ok' | 'warn' | 'bad';
  testId?: string;
}) {
  return (
    <div class={`figure ${props.tone ?? ''}`} data-testid={props.testId}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

/** Pretty-printed JSON, for payloads and metadata. */
export const Json = ({ value }: { value: unknown }) => (
  <pre class="json">{JSON.stringify(value, null, 2)}</pre>
);
