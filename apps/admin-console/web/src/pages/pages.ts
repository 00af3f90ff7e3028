import type { FunctionComponent } from 'preact';
import { AuditPage } from './audit';
import { DeadLettersPage } from './dead-letters';
import { PipelinePage } from './pipeline';
import { RebuildPage } from './rebuild';
import { StreamsPage } from './streams';
import { TracePage } from './trace';

export interface PageProps {
  /** The route's query (`#/streams?account=…`). */
  params: URLSearchParams;
}

/** The console's pages, in the navigation's order. Each page is one file under pages/. */
export const pages: { id: string; title: string; component: FunctionComponent<PageProps> }[] = [
  { id: 'pipeline', title: 'Pipeline', component: PipelinePage },
  { id: 'dead-letters', title: 'Dead letters', component: DeadLettersPage },
  { id: 'rebuild', title: 'Rebuild', component: RebuildPage },
  { id: 'streams', title: 'Streams', component: StreamsPage },
  { id: 'trace', title: 'Trace', component: TracePage },
  { id: 'audit', title: 'Audit', component: AuditPage },
];
