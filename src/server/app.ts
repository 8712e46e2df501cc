import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { auditRoutes } from '../audit/audit.routes.ts';
import { accountRoutes } from '../auth/account.routes.ts';
import { adminRoutes } from '../auth/admin.routes.ts';
import { authRoutes } from '../auth/auth.routes.ts';
import { callerResolver } from '../auth/caller-resolver.ts';
import { tokenRoutes } from '../auth/token.routes.ts';
import { casebookRoutes } from '../casebook/casebook.routes.ts';
import { codingRoutes } from '../coding/coding.routes.ts';
import type { Config } from '../config.ts';
import { crfRoutes } from '../crf/crf.routes.ts';
import { deviationRoutes } from '../deviations/deviation.routes.ts';
import { dosingRoutes } from '../dosing/dosing.routes.ts';
import { exchangeRoutes } from '../exchange/exchange.routes.ts';
import { importRoutes } from '../import/import.routes.ts';
import { installAuthentication, registerPublic } from '../kernel/authentication.ts';
import type { App, AppContext, DomainRoutes } from '../kernel/context.ts';
import { installErrorHandler } from '../kernel/error-handler.ts';
import type { ErrorBody } from '../kernel/errors.ts';
import { labInterfaceRoutes } from '../lab-interface/lab-interface.routes.ts';
import { labRoutes } from '../labs/lab.routes.ts';
import { notificationRoutes } from '../notifications/notification.routes.ts';
import { participantRoutes } from '../participants/participant.routes.ts';
import { worklistRoutes } from '../participants/worklist.routes.ts';
import { dispensingRoutes } from '../product/dispensing.routes.ts';
import { inventoryRoutes } from '../product/inventory.routes.ts';
import { productRoutes } from '../product/product.routes.ts';
import { protocolRoutes } from '../protocol/protocol.routes.ts';
import { kitListRoutes } from '../randomisation/kit-list.routes.ts';
import { randomisationRoutes } from '../randomisation/randomisation.routes.ts';
import { reportRoutes } from '../report/report.routes.ts';
import { safetyRoutes } from '../safety/safety.routes.ts';
import { safetyReportRoutes } from '../safety/safety-report.routes.ts';
import { siteRoutes } from '../study/site.routes.ts';
import { studyRoutes } from '../study/study.routes.ts';
import { exotrialVersion } from '../version.ts';
import { healthRoutes } from './health.routes.ts';
import { helmetOptions, swaggerCsp } from './security-headers.ts';
import { installStorableInput } from './storable-input.ts';

/** Every route of the API lives under this prefix; the domains' route files spell paths without it. */
export const API_PREFIX = '/api/v1';

/** The domains' routes, each registered as its own plugin (an encapsulated scope) under API_PREFIX. */
const apiRoutes: readonly DomainRoutes[] = [
  healthRoutes,
  authRoutes,
  accountRoutes,
  adminRoutes,
  tokenRoutes,
  auditRoutes,
  studyRoutes,
  siteRoutes,
  protocolRoutes,
  participantRoutes,
  worklistRoutes,
  deviationRoutes,
  randomisationRoutes,
  kitListRoutes,
  crfRoutes,
  productRoutes,
  dispensingRoutes,
  inventoryRoutes,
  safetyRoutes,
  safetyReportRoutes,
  dosingRoutes,
  exchangeRoutes,
  importRoutes,
  reportRoutes,
  notificationRoutes,
  casebookRoutes,
  labRoutes,
  labInterfaceRoutes,
  codingRoutes,
];

export const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface BuildOptions {
  logger?: FastifyBaseLogger | boolean;
  /** Folder of the built web app (tests give their own); web/dist by default. */
  webDir?: string;
}

/**
 * TRUST_PROXY for Fastify. A hop count becomes "trust the nearest N hops", as Express reads it:
 * Fastify itself now ignores a bare number (it cannot tell a proxy from a client that connects
 * directly), so with a count the server must be reachable only through those proxies (docs/operations.md, TRUST_PROXY).
 */
function trustedProxies(
  setting: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/** A client-sent X-Request-Id is kept only if short and plain (it goes into logs and audit events). */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given) ? given : randomUUID();
}

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
/** Fastify types its compiler factories for JSON schemas; these compile zod schemas, as every route has. */
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as CompilersFactory;

/** The HTTP application, separate from `listen` so tests drive it with `inject`. */
export async function buildApp(context: AppContext, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: context.config.bodyLimitBytes,
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
    trustProxy: trustedProxies(context.config.trustProxy),
    // Every schema is zod: Fastify's own JSON-schema compilers (Ajv, fast-json-stringify) are never
    // used, and naming ours here keeps Fastify from loading and setting them up at each start.
    schemaController: { compilersFactory: zodCompilers },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installStorableInput(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyHelmet, helmetOptions(context.config));
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  // Before any route: from here on every route must declare public or a permission.
  installAuthentication(app, callerResolver(context));
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'exotrial API',
        version: exotrialVersion,
        description:
          'REST API of exotrial. Browsers sign in with POST /api/v1/auth/login (session cookie + ' +
          'X-CSRF-Token header on writes). Errors are `{ error, message, details }`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'exotrial_session' },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token: `exotrial token create`' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await registerPublic(app, (scope) =>
    scope.register(fastifySwaggerUi, {
      routePrefix: '/api/docs',
      staticCSP: swaggerCsp(context.config),
      // Tags start folded: with some 130 operations, Swagger UI drawing every operation at once stopped
      // after the first few tags; folded, each tag draws its operations when opened.
      uiConfig: { deepLinking: false, validatorUrl: null, docExpansion: 'none' },
    }),
  );

  for (const routes of apiRoutes) {
    await app.register(async (scope) => routes(scope, context), { prefix: API_PREFIX });
  }

  await registerWebApp(app, options.webDir ?? webDistDir);
  return app;
}

/**
 * Serves the built React app (public files) and, for a GET of a client-side route, its index.html.
 * Anything else unknown is a JSON 404 that names no route: in particular any spelling of an API path
 * (`/API/…`, `/%61pi/…`, `//api/…`) gets the 404, never the app's page with a 200.
 */
async function registerWebApp(app: App, webDir: string): Promise<void> {
  const indexFile = join(webDir, 'index.html');
  const hasWeb = existsSync(indexFile);
  if (hasWeb) {
    await registerPublic(app, (scope) =>
      // The build's files are all under assets/ (index.html is sent below): one wildcard route for
      // them rather than a route per file (over a hundred chunks, a tenth of a restart to register).
      // A file that is not there goes on to the not-found handler, as an unknown route does.
      scope.register(fastifyStatic, {
        root: join(webDir, 'assets'),
        prefix: '/assets/',
        wildcard: true,
        index: false,
      }),
    );
  }
  app.setNotFoundHandler(async (request, reply) => {
    const wantsPage = request.method === 'GET' && isClientRoute(request.url);
    if (wantsPage && hasWeb) return reply.type('text/html').send(await readFile(indexFile));
    const body: ErrorBody = {
      error: 'not_found',
      message: wantsPage
        ? 'The web app is not built: run `npm run build` (npm start does it).'
        : `No such ${request.method} route. See /api/docs for the API.`,
    };
    return reply.status(404).send(body);
  });
}

/**
 * A path the web app's router could show: decoded, it has no empty, `.` or `..` segment, no slash,
 * backslash or `;` hidden inside a segment, and does not start with /api or /assets in any letter
 * case. Ids with other characters (percent-encoded) stay pages. A missing script or style is a 404,
 * not the app's page served as text/html in its place.
 */
export function isClientRoute(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith('/') || path.includes(';') || path.includes('\\')) return false;
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop(); // a trailing slash
  const decoded: string[] = [];
  for (const segment of segments) {
    try {
      decoded.push(decodeURIComponent(segment));
    } catch {
      return false;
    }
  }
  if (decoded.some((segment) => segment === '' || /^\.+$/.test(segment) || /[/\\;]/.test(segment))) {
    return false;
  }
  const first = decoded[0]?.toLowerCase();
  return first !== 'api' && first !== 'assets';
}
