import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/trace?id=…`): the server serves one index.html, and a reload or a shared link
 * lands on the same page with the same query.
 */
export interface Route {
  page: string;
  params: URLSearchParams;
}

export const parseRoute = (hash: string): Route => {
  const [page = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { page, params: new URLSearchParams(query) };
};

export const hrefOf = (page: string, params: Record<string, string> = {}): string => {
  const query = new URLSearchParams(params).toString();
  return `#/${page}${query ? `?${query}` : ''}`;
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export const navigate = (page: string, params: Record<string, string> = {}): void => {
  location.hash = hrefOf(page, params);
};
