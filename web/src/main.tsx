import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { initI18n } from './i18n/index.ts';
import { areas, Layout } from './layout.tsx';
import { AccountPage } from './pages/account-page.tsx';
import { AdminLayout } from './pages/admin/admin-layout.tsx';
import { AuditPage } from './pages/admin/audit-page.tsx';
import { RolesPage } from './pages/admin/roles-page.tsx';
import { SessionsPage } from './pages/admin/sessions-page.tsx';
import { SitesPage } from './pages/admin/sites-page.tsx';
import { TokensPage } from './pages/admin/tokens-page.tsx';
import { UsersPage } from './pages/admin/users-page.tsx';
import { AnalysisPage } from './pages/analysis/analysis-page.tsx';
import { AreaPage } from './pages/area-page.tsx';
import { FormPage } from './pages/crf/form-page.tsx';
import { QueriesPage } from './pages/crf/queries-page.tsx';
import { SdvPage } from './pages/crf/sdv-page.tsx';
import { DosingPage } from './pages/dosing/dosing-page.tsx';
import { ExportsPage } from './pages/exports/exports-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { ParticipantPage } from './pages/participants/participant-page.tsx';
import { ParticipantsPage } from './pages/participants/participants-page.tsx';
import { DispensingPage as ProductDispensingPage } from './pages/product/dispensing-page.tsx';
import { InventoryPage } from './pages/product/inventory-page.tsx';
import { LotPage } from './pages/product/lot-page.tsx';
import { ShipmentsPage } from './pages/product/shipments-page.tsx';
import { UnitPage } from './pages/product/unit-page.tsx';
import { ProtocolPage } from './pages/protocol/protocol-page.tsx';
import { AdverseEventRedirect } from './pages/safety/event-redirect.tsx';
import { SafetyPage } from './pages/safety/safety-page.tsx';
import { SetupPage } from './pages/setup-page.tsx';

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  { path: '/setup', element: <SetupPage /> },
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'forms', element: <ProtocolPage /> },
      ...areas
        .filter(
          (area) =>
            area !== 'admin' &&
            area !== 'analysis' &&
            area !== 'safety' &&
            area !== 'participants' &&
            area !== 'queries' &&
            area !== 'exports' &&
            area !== 'forms' &&
            area !== 'product',
        )
        .map((area) => ({ path: area, element: <AreaPage area={area} /> })),
      { path: 'participants', element: <ParticipantsPage /> },
      { path: 'participants/:participantId', element: <ParticipantPage /> },
      // Adverse events are not visit forms: their queries' links open the event on the Safety page.
      { path: 'participants/:participantId/forms/adverseEvent', element: <AdverseEventRedirect /> },
      { path: 'participants/:participantId/forms/:formId', element: <FormPage /> },
      { path: 'participants/:participantId/sdv', element: <SdvPage /> },
      { path: 'queries', element: <QueriesPage /> },
      { path: 'safety', element: <SafetyPage /> },
      { path: 'safety/dosing', element: <DosingPage /> },
      { path: 'product', element: <InventoryPage /> },
      { path: 'product/units/:unitId', element: <UnitPage /> },
      { path: 'product/lots/:lotId', element: <LotPage /> },
      { path: 'product/dispensing', element: <ProductDispensingPage /> },
      { path: 'product/shipments', element: <ShipmentsPage /> },
      { path: 'exports', element: <ExportsPage /> },
      { path: 'analysis', element: <AnalysisPage /> },
      { path: 'account', element: <AccountPage /> },
      {
        path: 'admin',
        element: <AdminLayout />,
        children: [
          { path: 'users', element: <UsersPage /> },
          { path: 'roles', element: <RolesPage /> },
          { path: 'sites', element: <SitesPage /> },
          { path: 'tokens', element: <TokensPage /> },
          { path: 'sessions', element: <SessionsPage /> },
          { path: 'audit', element: <AuditPage /> },
        ],
      },
    ],
  },
]);

const queryClient = new QueryClient();

await initI18n();
const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
