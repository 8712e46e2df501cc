import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { RouterProvider } from 'react-router';
import { initI18n } from './i18n/index.ts';
import { createQueryClient } from './query-client.ts';
import { router } from './routes.tsx';
import { cssVariablesResolver, themeIn } from './theme.ts';

const queryClient = createQueryClient();

/** Mantine with the theme in the chosen language (the labels its components carry themselves). */
function ThemedApp() {
  const { t, i18n } = useTranslation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new language is a new theme.
  const theme = useMemo(() => themeIn({ close: t('common.close') }), [i18n.language]);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}

await initI18n();
const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <ThemedApp />
  </StrictMode>,
);
