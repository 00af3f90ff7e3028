import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { met, type ScenarioResult } from './result';

const round = (value: number | undefined, digits = 1) =>
  value === undefined ? '' : value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(digits);

function rows(results: ScenarioResult[]) {
  const measured = results.flatMap((r) =>
    r.measurements.map((m) => [
      r.scenario,
      `${m.subject}${m.baseline ? ' (baseline)' : ''}`,
      round(m.perSecond),
      round(m.p50Ms, 2),
      round(m.p99Ms, 2),
      Object.entries(m.figures ?? {})
        .map(([k, v]) => `${k} ${round(v)}`)
        .join(', '),
    ]),
  );
  const headlines = results.flatMap((r) =>
    r.headlines.map((h) => [
      r.scenario,
      h.label,
      `${round(h.value, 2)} ${h.unit}`,
      `${h.kind === 'min' ? '≥' : '≤'} ${h.target} ${h.unit}`,
      met(h) ? 'met' : 'MISSED',
    ]),
  );
  return { measured, headlines };
}

export function printResults(results: ScenarioResult[]): void {
  const { measured, headlines } = rows(results);
  const headlineTable = new Table({ head: ['scenario', 'headline', 'value', 'target', ''] });
  headlineTable.push(...headlines);
  const measuredTable = new Table({ head: ['scenario', 'subject', 'ops/s', 'p50 ms', 'p99 ms', 'other'] });
  measuredTable.push(...measured);
  console.log(`\n${headlineTable.toString()}\n${measuredTable.toString()}`);
  for (const r of results) {
    console.log(
      `${r.scenario}: ${Object.entries(r.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    for (const note of r.notes) console.log(`  - ${note}`);
  }
}

function markdown(results: ScenarioResult[], machine: string): string {
  const { measured, headlines } = rows(results);
  const table = (head: string[], body: string[][]) =>
    [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...body.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  return [
    `# Benchmark results`,
    ``,
    `${machine}`,
    ``,
    table(['scenario', 'headline', 'value', 'target', ''], headlines),
    ``,
    table(['scenario', 'subject', 'ops/s', 'p50 ms', 'p99 ms', 'other'], measured),
    ``,
    ...results.map(
      (r) =>
        `- **${r.scenario}**: ${Object.entries(r.parameters)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}${r.notes.map((n) => `\n  - ${n}`).join('')}`,
    ),
    ``,
  ].join('\n');
}

/** Latency against load, drawn with Vega-Lite (rendered headless to SVG, no browser). */
async function chart(results: ScenarioResult[]): Promise<string | undefined> {
  const values = results.flatMap((r) =>
    (r.curve ?? []).flatMap((point) => [
      { series: `${r.scenario} ${point.subject} p50`, load: point.load, latency: point.p50Ms },
      { series: `${r.scenario} ${point.subject} p99`, load: point.load, latency: point.p99Ms },
    ]),
  );
  if (values.length === 0) return undefined;
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const spec = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Latency against load',
    width: 640,
    height: 360,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'load',
        type: 'quantitative',
        title: 'offered load (concurrent clients or ops/s)',
        scale: { type: 'log' },
      },
      y: { field: 'latency', type: 'quantitative', title: 'latency (ms)' },
      color: { field: 'series', type: 'nominal' },
    },
  }).spec;
  return new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
}

export async function writeResults(results: ScenarioResult[], directory: string): Promise<void> {
  fs.mkdirSync(directory, { recursive: true });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}`;
  fs.writeFileSync(path.join(directory, 'latest.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
  fs.writeFileSync(path.join(directory, 'latest.md'), markdown(results, machine));
  const svg = await chart(results);
  if (svg) fs.writeFileSync(path.join(directory, 'latency-vs-load.svg'), svg);
  console.log(
    `\nwrote ${path.relative(process.cwd(), directory)}/latest.json, latest.md${svg ? ', latency-vs-load.svg' : ''}`,
  );
}
