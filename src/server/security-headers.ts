import type { FastifyHelmetOptions } from '@fastify/helmet';
import { type Config, servedOverTls } from '../config.ts';

/**
 * Headers of every answer (pages, API, static files). Scripts only from the server itself, never
 * inline; no plugins, frames or foreign connections. Styles allow 'unsafe-inline': Mantine writes its
 * CSS variables into a <style> element and positions popovers with style attributes, and a nonce cannot
 * cover style attributes. Inline styles cannot run code, so the script policy stays strict.
 */
export function helmetOptions(config: Pick<Config, 'publicUrl'>): FastifyHelmetOptions {
  const tls = servedOverTls(config);
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
}

/**
 * The Swagger UI page at /api/docs: its scripts and styles are files served by the server; it renders
 * with style attributes (so 'unsafe-inline' styles, as for the app) and loads no badge from
 * validator.swagger.io (the validator is off).
 */
export function swaggerCsp(config: Pick<Config, 'publicUrl'>): string {
  const directives = [
    "default-src 'self'",
    "base-uri 'self'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(servedOverTls(config) ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}
