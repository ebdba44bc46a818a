/**
 * What the test run can reach. CI sets TEST_DATABASE_URL and TEST_REDIS_URL (`.ci/run`);
 * without them the Postgres/Redis variants of the suites are skipped, never faked.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || '';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || '';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export type Backend = 'pglite' | 'postgres';

/** The database backends the integration suites run on: always PGlite, and Postgres when set. */
export const BACKENDS: Backend[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
