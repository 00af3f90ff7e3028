import { PageHeading } from '../components';
import type { PageProps } from './pages';

/** Rebuild: start, watch progress, cancel, see the result (to be built). */
export function RebuildPage(_: PageProps) {
  return (
    <>
      <PageHeading>Rebuild</PageHeading>
      <p>
        Not in the console yet: use <code>npm run rebuild</code>.
      </p>
    </>
  );
}
