import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
const { freeLoopbackPorts } = require('./ports') as {
  freeLoopbackPorts: (count: number) => Promise<number[]>;
};

const ephemeralLow = (): number =>
  Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('freeLoopbackPorts', () => {
  it('picks distinct, free ports below the ephemeral range, so a killed broker can bind its port again', async () => {
    const ports = await freeLoopbackPorts(15);
    expect(new Set(ports).size).toBe(15);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow());
    expect(await Promise.all(ports.map(bindable))).toEqual(ports.map(() => true));
  });
});
