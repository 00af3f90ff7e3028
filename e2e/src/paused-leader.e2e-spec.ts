import { TRANSFER_LEADER_LOCK, moneyLedger } from '@tally/accounts-commands';
import { eventually, type ServiceProcess } from '@tally/testing';
import { Pool } from 'pg';
import { TestSystem, post } from './system';

jest.setTimeout(180_000);

const LEASE_MS = 2_000;

/**
 * Two command services drive transfers; the one leading the transfer process manager is frozen with
 * SIGSTOP in the middle of its work (a long GC, a frozen VM), the other takes over within about a
 * lease, and the frozen one is then let go with SIGCONT: its term is over, so none of the writes it
 * was in the middle of lands. Every transfer ends credited or refunded, never both, and money is
 * conserved.
 */
describe('a paused transfer leader', () => {
  const system = new TestSystem('paused_leader', {
    LEADER_LEASE_MS: String(LEASE_MS),
    TRANSFERS_SWEEP_INTERVAL_MS: '100',
    RATE_LIMIT_PER_SECOND: '0',
  });
  let second: ServiceProcess;
  let pool: Pool;
  let token: string;

  beforeAll(async () => {
    await system.start();
    second = await system.startCommand();
    pool = new Pool({ connectionString: system.writeDb.url, max: 2 });
    token = await system.admin();
  });
  afterAll(async () => {
    for (const service of [system.command, second]) service?.child.kill('SIGCONT');
    await second?.stop();
    await pool?.end();
    await system.stop();
  });

  const term = async () => {
    const { rows } = await pool.query('SELECT epoch::int, leader FROM leader_terms WHERE lock_name = $1', [
      TRANSFER_LEADER_LOCK,
    ]);
    return rows[0] as { epoch: number; leader: string } | undefined;
  };
  const pidOf = (leader: string) => Number(leader.split(':').at(-1));

  it('is replaced within about a lease, and after SIGCONT writes nothing: no transfer both credited and refunded', async () => {
    const services = [system.command, second];
    const first = await eventually(async () => {
      const current = await term();
      expect(current).toBeDefined();
      return current!;
    });
    const leader = services.find((s) => s.child.pid === pidOf(first.leader))!;
    const follower = services.find((s) => s !== leader)!;
    expect(leader).toBeDefined();

    const open = async (deposit: number) => {
      const opened = await post(follower.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, token);
      const id = opened.body.accountId as string;
      if (deposit > 0) await post(follower.url, `/accounts/${id}/deposits`, { amount: deposit }, token);
      return id;
    };
    const accounts = [await open(10_000), await open(10_000), await open(10_000), await open(10_000)];
    // Transfers to a closed account are debited, refused by the target and refunded.
    const closed = await open(0);
    expect((await post(follower.url, `/accounts/${closed}/close`, {}, token)).status).toBe(200);
    // Transfers all along, through the follower; the leader drives them until it is frozen.
    let sending = true;
    let requested = 0;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        const from = accounts[i % 4];
        const to = i % 3 === 0 ? closed : accounts[(i + 1) % 4];
        const body = { fromAccountId: from, toAccountId: to, amount: 1 + (i % 97) };
        if ((await post(follower.url, '/transfers', body, token)).status === 202) requested++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await eventually(() => expect(requested).toBeGreaterThan(30), 20_000);

    const pausedAt = Date.now();
    leader.child.kill('SIGSTOP');
    const next = await eventually(async () => {
      const current = await term();
      expect(current!.epoch).toBeGreaterThan(first.epoch);
      return current!;
    }, 30_000);
    const takeOverMs = Date.now() - pausedAt;
    expect(pidOf(next.leader)).toBe(follower.child.pid);
    expect(takeOverMs).toBeLessThan(LEASE_MS * 5);

    // The new leader works while the old one is frozen; money is moving under it.
    const movedBefore = requested;
    await eventually(() => expect(requested).toBeGreaterThan(movedBefore + 30), 20_000);
    leader.child.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS)); // the old leader wakes and finds its term over
    sending = false;
    await sender;

    await eventually(async () => {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM transfers_in_flight');
      expect(rows[0].n).toBe(0);
    }, 60_000);
    const ledger = await moneyLedger(pool);
    expect(ledger.anomalies).toEqual([]);
    expect(ledger.inFlight).toBe(0);
    expect(ledger.balances).toBe(ledger.deposits - ledger.withdrawals + ledger.adjustments);
    const { rows: unfinished } = await pool.query(
      `SELECT stream_id FROM streams s WHERE stream_type = 'transfer' AND NOT EXISTS (
         SELECT 1 FROM events e WHERE e.stream_id = s.stream_id
           AND e.event_type IN ('tally.transfer.completed', 'tally.transfer.failed'))`,
    );
    expect(unfinished).toEqual([]);
    // The frozen process is alive and serving again; it follows now.
    expect((await fetch(`${leader.url}/health/live`)).status).toBe(200);
    expect(pidOf((await term())!.leader)).toBe(follower.child.pid);
  });
});
