import { InMemoryEventStore, eventStoreContract } from './testing';

eventStoreContract('in memory', async () => ({
  store: new InMemoryEventStore(),
  close: async () => undefined,
}));
