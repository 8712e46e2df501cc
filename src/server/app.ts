import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger } from 'fastify';
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
import { tokenRoutes } from '../auth/token.routes.ts';
import { crfRoutes } from '../crf/crf.routes.ts';
import { dosingRoutes } from '../dosing/dosing.routes.ts';
import { exchangeRoutes } from '../exchange/exchange.routes.ts';
import { participantRoutes } from '../participants/participant.routes.ts';
import { dispensingRoutes } from '../product/dispensing.routes.ts';
import { inventoryRoutes } from '../product/inventory.routes.ts';
import { productRoutes } from '../product/product.routes.ts';
import { protocolRoutes } from '../protocol/protocol.routes.ts';
import { reportRoutes } from '../report/report.routes.ts';
import { safetyRoutes } from '../safety/safety.routes.ts';
import { siteRoutes } from '../study/site.routes.ts';
import { studyRoutes } from '../study/study.routes.ts';
import { exotrialVersion } from '../version.ts';
import { installAuthentication } from './authentication.ts';
import type { App, AppContext } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import type { ErrorBody } from './errors.ts';
import { healthRoutes } from './health.routes.ts';
import { helmetOptions, swaggerCsp } from './security-headers.ts';
import { installStorableInput } from './storable-input.ts';

export const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface BuildOptions {
  logger?: FastifyBaseLogger | boolean;
}

/** The HTTP application, separate from `listen` so tests drive it with `inject`. */
export async function buildApp(context: AppContext, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: context.config.bodyLimitBytes,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: false,
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
  // The documentation routes are public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: swaggerCsp(context.config),
    uiConfig: { deepLinking: false, validatorUrl: null },
  });

  installAuthentication(app, context);
  healthRoutes(app, context);
  authRoutes(app, context);
  accountRoutes(app, context);
  adminRoutes(app, context);
  tokenRoutes(app, context);
  auditRoutes(app, context);
  studyRoutes(app, context);
  siteRoutes(app, context);
  protocolRoutes(app, context);
  participantRoutes(app, context);
  crfRoutes(app, context);
  productRoutes(app, context);
  dispensingRoutes(app, context);
  inventoryRoutes(app, context);
  safetyRoutes(app, context);
  dosingRoutes(app, context);
  exchangeRoutes(app, context);
  reportRoutes(app, context);

  await registerWebApp(app);
  return app;
}

/** Serves the built React app; any non-API GET falls back to index.html for client-side routes. */
async function registerWebApp(app: App): Promise<void> {
  const hasWeb = existsSync(`${webDistDir}index.html`);
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webDistDir, prefix: '/', wildcard: false, index: false });
  }
  app.setNotFoundHandler((request, reply) => {
    // A missing script or style is a 404, not the app's page served as text/html in its place.
    const wantsPage =
      request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/assets/');
    if (wantsPage && hasWeb) return reply.type('text/html').sendFile('index.html');
    const body: ErrorBody = {
      error: 'not_found',
      message: wantsPage
        ? 'The web app is not built: run `npm run build` (npm start does it).'
        : `No route ${request.method} ${request.url.split('?')[0]}. See /api/docs for the API.`,
    };
    return reply.status(404).send(body);
  });
}
