import { type Kysely, sql } from 'kysely';

// The ethics approval of a protocol version at a site: a site works under the latest version approved
// there, so an amendment takes effect site by site. Every site of a study that exists when this runs is
// recorded as approved for the study's current version (on the day that version was loaded), so running
// studies keep working under the version they work under today.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('protocol_site_approval')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('version_no', 'integer', (c) => c.notNull())
    .addColumn('approved_on', 'date', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('protocol_site_approval_pk', ['study_id', 'site_id', 'version_no'])
    .addForeignKeyConstraint('protocol_site_approval_site_fk', ['study_id', 'site_id'], 'site', [
      'study_id',
      'site_id',
    ])
    .addForeignKeyConstraint(
      'protocol_site_approval_version_fk',
      ['study_id', 'version_no'],
      'protocol_version',
      ['study_id', 'version_no'],
    )
    .execute();
  await sql`
    insert into protocol_site_approval (study_id, site_id, version_no, approved_on, recorded_at, recorded_by)
    select s.study_id, site.site_id, s.current_protocol_version, p.loaded_at::date, now(), 'migration'
    from study s
    join site on site.study_id = s.study_id
    join protocol_version p on p.study_id = s.study_id and p.version_no = s.current_protocol_version
  `.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('protocol_site_approval').execute();
}
