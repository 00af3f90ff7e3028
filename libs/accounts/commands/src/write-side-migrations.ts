import { CreateOperatorActions1764316801330 } from '@tally/database';
import { EventLogReaderRole1764316800950 } from '@tally/event-log';
import {
  CreateEventStore1764316800000,
  CreateLeaderTerms1764316801320,
  CreateSnapshots1764316800300,
  IndexEventsByCorrelation1764316801100,
  RelayTopicEnds1764316801000,
} from '@tally/event-store';
import { CreateIdempotencyKeys1764316800400 } from './migrations/1764316800400-create-idempotency-keys';
import { CreateTransfersInFlight1764316800500 } from './migrations/1764316800500-create-transfers-in-flight';
import { LeastPrivilegeRoles1764316800900 } from './migrations/1764316800900-least-privilege-roles';
import { TransferTraceContext1764316801200 } from './migrations/1764316801200-transfer-trace-context';

/** Every migration of the write database, in order: what the command service runs at start-up. */
export const writeSideMigrations = [
  CreateEventStore1764316800000,
  CreateSnapshots1764316800300,
  CreateIdempotencyKeys1764316800400,
  CreateTransfersInFlight1764316800500,
  LeastPrivilegeRoles1764316800900,
  EventLogReaderRole1764316800950,
  RelayTopicEnds1764316801000,
  IndexEventsByCorrelation1764316801100,
  TransferTraceContext1764316801200,
  CreateLeaderTerms1764316801320,
  CreateOperatorActions1764316801330,
];
