export * from './ensure-database';
export * from './migrate';
export * from './postgres-readiness';
export * from './roles';
export * from './transaction';
export * from './database-timeouts';
export * from './operator-audit/operator-audit';
export * from './operator-audit/1764316801330-create-operator-actions';
