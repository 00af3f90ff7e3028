import type { PipelineOverview } from '@tally/operations';

const table = (header: string[], rows: string[][]): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

const seconds = (value: number | null) => (value === null ? '?' : `${value.toFixed(1)} s`);

/** The overview as a person reads it on a terminal: one block per part of the pipeline. */
export function formatStatus(overview: PipelineOverview): string {
  const out: string[] = [`Tally pipeline at ${overview.at}`, ''];
  const { relay, transfers, deadLetters, commands } = overview;
  out.push(
    relay
      ? `relay         ${relay.leader ? `leader ${relay.leader}` : 'NO LEADER'}, backlog ${relay.backlog} event(s), ` +
          `last published ${relay.lastPublishedAt ?? 'never'}`
      : 'relay         unknown (write database unavailable)',
    transfers
      ? `transfers     ${transfers.inFlight} in flight` +
          (transfers.oldestAgeSeconds === null ? '' : `, oldest ${seconds(transfers.oldestAgeSeconds)}`)
      : 'transfers     unknown (write database unavailable)',
    deadLetters
      ? `dead letters  ${deadLetters.total} (${deadLetters.unhandled} unhandled)`
      : 'dead letters  unknown (dead-letter topic unavailable)',
    commands
      ? `commands      ${commands.perSecond.toFixed(1)}/s, ${commands.errorsPerSecond.toFixed(1)} errors/s`
      : 'commands      not measured (no command-service metrics)',
  );
  for (const set of overview.replicaSets) {
    const lag = set.partitions.reduce((sum, p) => sum + p.lag, 0);
    const stalest = Math.max(0, ...set.partitions.map((p) => p.freshnessSeconds ?? 0));
    out.push(
      '',
      `replica set ${set.groupId}: ${set.members.length} member(s), lag ${lag}, freshness ${seconds(stalest)}, ` +
        `parked ${set.parked ?? '?'}`,
      ...table(
        ['partition', 'end', 'applied', 'lag', 'freshness', 'member'],
        set.partitions.map((p) => [
          String(p.partition),
          p.endOffset,
          p.appliedOffset ?? '-',
          String(p.lag),
          seconds(p.freshnessSeconds),
          p.member ?? '(none)',
        ]),
      ).map((line) => `  ${line}`),
    );
  }
  if (overview.unavailable.length > 0)
    out.push('', 'not answering:', ...overview.unavailable.map((u) => `  ${u.source}: ${u.error}`));
  return out.join('\n');
}
