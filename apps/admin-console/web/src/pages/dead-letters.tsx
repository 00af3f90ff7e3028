import { PageHeading } from '../components';
import type { PageProps } from './pages';

/** Dead letters: list with filters and paging, inspect, re-drive, mark handled (to be built). */
export function DeadLettersPage(_: PageProps) {
  return (
    <>
      <PageHeading>Dead letters</PageHeading>
      <p>
        Not in the console yet: use <code>npm run dead-letters -- list</code> and{' '}
        <code>npm run dead-letters -- redrive &lt;partition&gt;:&lt;offset&gt;</code>.
      </p>
    </>
  );
}
