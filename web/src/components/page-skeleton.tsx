import { Skeleton, Stack } from '@mantine/core';
import { type ComponentType, type LazyExoticComponent, lazy, type ReactNode, Suspense } from 'react';
import { useTranslation } from 'react-i18next';

/** What a page shows while its script is downloaded: the shape of a title and a few rows. */
export function PageSkeleton() {
  const { t } = useTranslation();
  return (
    <Stack maw={900} aria-busy="true" aria-label={t('common.loading')} role="status">
      <Skeleton height={32} width="40%" />
      <Skeleton height={16} />
      <Skeleton height={16} />
      <Skeleton height={16} width="70%" />
    </Stack>
  );
}

/**
 * A page loaded on first visit: its module (and what only it imports) is its own chunk, so the
 * sign-in page does not download the whole app. `pick` names the export, as pages use named exports.
 */
export function lazyPage<Module, Props extends object>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType<Props>,
): LazyExoticComponent<ComponentType<Props>> {
  return lazy(async () => ({ default: pick(await load()) }));
}

let boundaries = 0;

/**
 * A lazy page in its own Suspense boundary. Sibling routes render at the same place in the tree, so
 * without a key of its own React would reuse the boundary and, inside the router's transition, keep
 * the previous page on screen instead of showing the skeleton while the next one downloads.
 */
export function suspended(page: ReactNode): ReactNode {
  boundaries += 1;
  return (
    <Suspense key={`page-${boundaries}`} fallback={<PageSkeleton />}>
      {page}
    </Suspense>
  );
}
