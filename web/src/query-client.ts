import { MutationCache, QueryClient } from '@tanstack/react-query';

/**
 * Answers stay fresh for 30 s, so moving between pages shows what was just fetched instead of asking
 * again. A change made here must not leave another page showing the old value for those 30 s: after
 * every successful mutation all cached answers are marked stale without refetching, so the next page
 * opened asks again, as it did before answers had a lifetime. What is on screen refetches only where
 * the mutation invalidates its own keys, so a form being typed into is not reloaded under the typist.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { staleTime: 30_000 } },
    mutationCache: new MutationCache({
      onSuccess: () => {
        void client.invalidateQueries({ refetchType: 'none' });
      },
    }),
  });
  return client;
}
