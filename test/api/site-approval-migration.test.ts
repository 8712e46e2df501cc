import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up } from '../../src/db/migrations/2026_12_09_04_protocol_site_approval.ts';
import { siteWorkingVersions } from '../../src/protocol/site-version.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// A running study amended before approvals per site existed works under its current version at every
// site; the migration that brings approvals records that, so nothing changes for it on upgrade.

const amended = readFileSync('protocols/mexcovid.yaml', 'utf8').replace(/^version: .*$/m, 'version: "1.1"');

describeEachDatabase('the migration to approvals per site', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
  });
  afterAll(async () => t?.close());

  it('records every existing site as approved for the current version, so each keeps working under it', async () => {
    const amendment = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'Amendment 1',
    });
    expect(amendment.statusCode, amendment.body).toBe(201);
    const working = () => t.database.read((db) => siteWorkingVersions(db, t.studyId));
    // Under the new rule, before the migration's records, the sites that joined under version 1 stay on it.
    expect(Object.fromEntries(await working())).toEqual({ [users.siteId]: 1, [users.otherSiteId]: 1 });
    // Run the migration again as an upgrade of this database would.
    await t.database.transaction(async (trx) => {
      await down(trx);
      await up(trx);
    });
    expect(Object.fromEntries(await working())).toEqual({ [users.siteId]: 2, [users.otherSiteId]: 2 });
    const rows = await t.database.read((db) =>
      db.selectFrom('protocol_site_approval').select(['site_id', 'version_no', 'recorded_by']).execute(),
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.version_no === 2 && row.recorded_by === 'migration')).toBe(true);
  });
});
