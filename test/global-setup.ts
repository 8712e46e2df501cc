import type { TestProject } from 'vitest/node';
import { findPostgresBin, startTestPostgres, type TestPostgres } from './support/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test PostgreSQL server's maintenance database, or null when none is installed. */
    postgresUrl: string | null;
  }
}

let server: TestPostgres | undefined;

/** Starts one PostgreSQL server for the whole run; each test file creates its own databases on it. */
export async function setup(project: TestProject): Promise<void> {
  const bin = findPostgresBin();
  if (!bin) {
    if (process.env.CI === 'true') {
      throw new Error(
        'PostgreSQL is not installed (no initdb found): under CI this is a failure. Install `postgresql`.',
      );
    }
    console.warn('PostgreSQL is not installed: PostgreSQL variants of the API tests are skipped.');
    project.provide('postgresUrl', null);
    return;
  }
  server = await startTestPostgres(bin);
  project.provide('postgresUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
