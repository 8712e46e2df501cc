import { createBrowserRouter } from 'react-router';
import { lazyPage, suspended } from './components/page-skeleton.tsx';
import { areas, Layout } from './layout.tsx';

// Each page is its own chunk, downloaded on first visit behind a skeleton: the sign-in page carries
// only the shell, and a page's heavy parts (the QR encoder, the protocol builder) load with it alone.
const LoginPage = lazyPage(
  () => import('./pages/login-page.tsx'),
  (m) => m.LoginPage,
);
const SetupPage = lazyPage(
  () => import('./pages/setup-page.tsx'),
  (m) => m.SetupPage,
);
const OverviewPage = lazyPage(
  () => import('./pages/overview-page.tsx'),
  (m) => m.OverviewPage,
);
const AreaPage = lazyPage(
  () => import('./pages/area-page.tsx'),
  (m) => m.AreaPage,
);
const AccountPage = lazyPage(
  () => import('./pages/account-page.tsx'),
  (m) => m.AccountPage,
);
const NotificationsPage = lazyPage(
  () => import('./pages/notifications/notifications-page.tsx'),
  (m) => m.NotificationsPage,
);
const ProtocolPage = lazyPage(
  () => import('./pages/protocol/protocol-page.tsx'),
  (m) => m.ProtocolPage,
);
const ParticipantsPage = lazyPage(
  () => import('./pages/participants/participants-page.tsx'),
  (m) => m.ParticipantsPage,
);
const ParticipantPage = lazyPage(
  () => import('./pages/participants/participant-page.tsx'),
  (m) => m.ParticipantPage,
);
const AdverseEventRedirect = lazyPage(
  () => import('./pages/safety/event-redirect.tsx'),
  (m) => m.AdverseEventRedirect,
);
const FormPage = lazyPage(
  () => import('./pages/crf/form-page.tsx'),
  (m) => m.FormPage,
);
const SdvPage = lazyPage(
  () => import('./pages/crf/sdv-page.tsx'),
  (m) => m.SdvPage,
);
const WorklistPage = lazyPage(
  () => import('./pages/participants/worklist-page.tsx'),
  (m) => m.WorklistPage,
);
const DeviationsPage = lazyPage(
  () => import('./pages/deviations/deviations-page.tsx'),
  (m) => m.DeviationsPage,
);
const LabRangesPage = lazyPage(
  () => import('./pages/labs/lab-ranges-page.tsx'),
  (m) => m.LabRangesPage,
);
const LabResultsPage = lazyPage(
  () => import('./pages/lab-interface/lab-results-page.tsx'),
  (m) => m.LabResultsPage,
);
const CodingPage = lazyPage(
  () => import('./pages/coding/coding-page.tsx'),
  (m) => m.CodingPage,
);
const RandomisationPage = lazyPage(
  () => import('./pages/randomisation/randomisation-page.tsx'),
  (m) => m.RandomisationPage,
);
const QueriesPage = lazyPage(
  () => import('./pages/crf/queries-page.tsx'),
  (m) => m.QueriesPage,
);
const SafetyPage = lazyPage(
  () => import('./pages/safety/safety-page.tsx'),
  (m) => m.SafetyPage,
);
const DosingPage = lazyPage(
  () => import('./pages/dosing/dosing-page.tsx'),
  (m) => m.DosingPage,
);
const InventoryPage = lazyPage(
  () => import('./pages/product/inventory-page.tsx'),
  (m) => m.InventoryPage,
);
const UnitPage = lazyPage(
  () => import('./pages/product/unit-page.tsx'),
  (m) => m.UnitPage,
);
const KitsPage = lazyPage(
  () => import('./pages/product/kits-page.tsx'),
  (m) => m.KitsPage,
);
const LotPage = lazyPage(
  () => import('./pages/product/lot-page.tsx'),
  (m) => m.LotPage,
);
const DispensingPage = lazyPage(
  () => import('./pages/product/dispensing-page.tsx'),
  (m) => m.DispensingPage,
);
const ShipmentsPage = lazyPage(
  () => import('./pages/product/shipments-page.tsx'),
  (m) => m.ShipmentsPage,
);
const ExportsPage = lazyPage(
  () => import('./pages/exports/exports-page.tsx'),
  (m) => m.ExportsPage,
);
const ImportPage = lazyPage(
  () => import('./pages/data-import/import-page.tsx'),
  (m) => m.ImportPage,
);
const AnalysisPage = lazyPage(
  () => import('./pages/analysis/analysis-page.tsx'),
  (m) => m.AnalysisPage,
);
const AdminLayout = lazyPage(
  () => import('./pages/admin/admin-layout.tsx'),
  (m) => m.AdminLayout,
);
const UsersPage = lazyPage(
  () => import('./pages/admin/users-page.tsx'),
  (m) => m.UsersPage,
);
const RolesPage = lazyPage(
  () => import('./pages/admin/roles-page.tsx'),
  (m) => m.RolesPage,
);
const SitesPage = lazyPage(
  () => import('./pages/admin/sites-page.tsx'),
  (m) => m.SitesPage,
);
const TokensPage = lazyPage(
  () => import('./pages/admin/tokens-page.tsx'),
  (m) => m.TokensPage,
);
const SessionsPage = lazyPage(
  () => import('./pages/admin/sessions-page.tsx'),
  (m) => m.SessionsPage,
);
const AuditPage = lazyPage(
  () => import('./pages/admin/audit-page.tsx'),
  (m) => m.AuditPage,
);

export const router = createBrowserRouter([
  { path: '/login', element: suspended(<LoginPage />) },
  { path: '/setup', element: suspended(<SetupPage />) },
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: suspended(<OverviewPage />) },
      { path: 'forms', element: suspended(<ProtocolPage />) },
      ...areas
        .filter(
          (area) =>
            area !== 'admin' &&
            area !== 'analysis' &&
            area !== 'randomisation' &&
            area !== 'safety' &&
            area !== 'participants' &&
            area !== 'queries' &&
            area !== 'worklist' &&
            area !== 'deviations' &&
            area !== 'coding' &&
            area !== 'laboratory' &&
            area !== 'exports' &&
            area !== 'forms' &&
            area !== 'product',
        )
        .map((area) => ({ path: area, element: suspended(<AreaPage area={area} />) })),
      { path: 'participants', element: suspended(<ParticipantsPage />) },
      { path: 'participants/:participantId', element: suspended(<ParticipantPage />) },
      // Adverse events are not visit forms: their queries' links open the event on the Safety page.
      {
        path: 'participants/:participantId/forms/adverseEvent',
        element: suspended(<AdverseEventRedirect />),
      },
      { path: 'participants/:participantId/forms/:formId', element: suspended(<FormPage />) },
      { path: 'participants/:participantId/sdv', element: suspended(<SdvPage />) },
      { path: 'queries', element: suspended(<QueriesPage />) },
      { path: 'worklist', element: suspended(<WorklistPage />) },
      { path: 'deviations', element: suspended(<DeviationsPage />) },
      { path: 'lab-ranges', element: suspended(<LabRangesPage />) },
      { path: 'coding', element: suspended(<CodingPage />) },
      { path: 'laboratory', element: suspended(<LabResultsPage />) },
      { path: 'safety', element: suspended(<SafetyPage />) },
      { path: 'safety/dosing', element: suspended(<DosingPage />) },
      { path: 'product', element: suspended(<InventoryPage />) },
      { path: 'product/units/:unitId', element: suspended(<UnitPage />) },
      { path: 'product/lots/:lotId', element: suspended(<LotPage />) },
      { path: 'product/dispensing', element: suspended(<DispensingPage />) },
      { path: 'product/shipments', element: suspended(<ShipmentsPage />) },
      { path: 'product/kits', element: suspended(<KitsPage />) },
      { path: 'exports', element: suspended(<ExportsPage />) },
      { path: 'exports/import', element: suspended(<ImportPage />) },
      { path: 'analysis', element: suspended(<AnalysisPage />) },
      { path: 'randomisation', element: suspended(<RandomisationPage />) },
      { path: 'account', element: suspended(<AccountPage />) },
      { path: 'notifications', element: suspended(<NotificationsPage />) },
      {
        path: 'admin',
        element: suspended(<AdminLayout />),
        children: [
          { path: 'users', element: suspended(<UsersPage />) },
          { path: 'roles', element: suspended(<RolesPage />) },
          { path: 'sites', element: suspended(<SitesPage />) },
          { path: 'tokens', element: suspended(<TokensPage />) },
          { path: 'sessions', element: suspended(<SessionsPage />) },
          { path: 'audit', element: suspended(<AuditPage />) },
        ],
      },
    ],
  },
]);
