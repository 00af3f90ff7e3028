import type { LoadResult } from './closed-loop';

/** One measured subject of a scenario: Tally's code or a baseline. */
export interface Measurement extends Partial<LoadResult> {
  subject: string;
  baseline: boolean;
  /** Any other figure worth reporting (events/s of a one-shot run, RSS, ...). */
  figures?: Record<string, number>;
}

/** A headline ratio and the target for it. */
export interface Headline {
  label: string;
  value: number;
  unit: 'x' | 'ms' | 'MB' | '/s';
  target: number;
  /** 'min': value must be ≥ target; 'max': value must be ≤ target. */
  kind: 'min' | 'max';
}

export interface ScenarioResult {
  scenario: string;
  parameters: Record<string, string | number>;
  measurements: Measurement[];
  headlines: Headline[];
  notes: string[];
  /** Latency against offered load, for the chart. */
  curve?: { subject: string; load: number; p50Ms: number; p99Ms: number }[];
}

export const met = (h: Headline): boolean => (h.kind === 'min' ? h.value >= h.target : h.value <= h.target);
