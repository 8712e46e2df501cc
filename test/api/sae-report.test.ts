import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { importMeddra, importWhodrug } from '../../src/coding/dictionary.service.ts';
import { readDistribution } from '../../src/coding/dictionary-files.ts';
import { meddraFiles } from '../../src/coding/meddra-parser.ts';
import { whodrugFiles } from '../../src/coding/whodrug-parser.ts';
import { dateAfter, dosedParticipant, givenDose, siteDateFromToday } from '../support/dosed-participant.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { fields } from './safety-support.ts';

// The SAE report ready to send: the narrative drafted from the data and edited by the investigator
// (each revision kept and audited), the report's content from dosing (lots), conmeds (WHODrug),
// history, labs (flags) and MedDRA coding, dechallenge from the dosing record, the CIOMS I PDF in
// English and Chinese, and versioned submissions whose PDF is kept exactly as sent.

const dictionaries = new URL('../../dictionaries/synthetic/', import.meta.url).pathname;
const day1 = siteDateFromToday(-4);
const day2 = dateAfter(day1, 1);
const vial = (visitId: string, code: string, thawedOn: string) => ({
  visitId,
  code,
  thawedAt: new Date(`${thawedOn}T07:30:00+08:00`),
  dispensedAt: new Date(),
});
const formUrl = (participantId: string, visitKey: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=1`;

describeEachDatabase('the SAE report: narrative, content, CIOMS I PDF and versions', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let aeId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    const actor = systemActor('sae report test');
    for (const language of ['en', 'zh'] as const) {
      await importMeddra(t.database, t.studyId, actor, {
        files: readDistribution(join(dictionaries, 'meddra-99.0', language), meddraFiles),
        source: 'test',
        version: '99.0',
        language,
      });
    }
    await importWhodrug(t.database, t.studyId, actor, {
      files: readDistribution(join(dictionaries, 'whodrug-2099.1'), whodrugFiles),
      source: 'test',
      version: '2099.1',
    });
    for (const [dictionary, version] of [
      ['meddra', '99.0'],
      ['whodrug', '2099.1'],
    ]) {
      const chosen = await as(t.app, users.dataManager).put(
        `/api/v1/dictionaries/${dictionary}/study-version`,
        {
          version,
          reason: 'coding with this release',
        },
      );
      expect(chosen.statusCode, chosen.body).toBe(200);
    }
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [
        { ...vial('day-1', 'VIAL-S1', day1), lotNumber: 'LOT-SAE-0001' },
        { ...vial('day-2', 'VIAL-S2', day2), lotNumber: 'LOT-SAE-0002' },
      ],
      doses: [
        { visitId: 'day-1', body: givenDose('VIAL-S1', day1) },
        { visitId: 'day-2', body: givenDose('VIAL-S2', day2) },
        { visitId: 'day-3', body: { status: 'not-given', notGivenReason: 'Stopped after the bronchospasm' } },
      ],
    }));
    const coordinator = as(t.app, users.coordinator);
    const conmed = await coordinator.put(formUrl(participantId, 'screening', 'conmeds'), {
      version: 0,
      entries: fields({
        medication: 'Paracetamol',
        category: 'other',
        indication: 'Fever',
        dose: '500 mg',
        route: 'oral',
        startDate: dateAfter(day1, -2),
        ongoing: true,
      }),
    });
    expect(conmed.statusCode, conmed.body).toBe(200);
    const ranges = await as(t.app, users.dataManager).post(
      `/api/v1/sites/${users.siteId}/lab-ranges/import`,
      {
        csv: 'item,sex,ageLow,ageHigh,low,high,unit\nlabs.lymphocytes,,,,1.1,3.2,10*9/L',
      },
    );
    expect(ranges.statusCode, ranges.body).toBe(200);
    const labsForm = (await coordinator.get(formUrl(participantId, 'day-3', 'labs'))).json();
    const labs = await coordinator.put(formUrl(participantId, 'day-3', 'labs'), {
      version: labsForm.version,
      entries: fields({ collectedOn: dateAfter(day1, 2), lymphocytes: 0.6 }),
    });
    expect(labs.statusCode, labs.body).toBe(200);
    const created = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: 'Bronchospasm',
          onsetAt: `${day2}T10:00`,
          ongoing: false,
          resolvedAt: `${dateAfter(day1, 2)}T09:00`,
          grade: 3,
          serious: true,
          seriousnessCriteria: ['hospitalisation'],
          awareAt: `${day2}T11:00`,
          causality: 'possible',
          expected: false,
          inhalationAssociated: true,
          actionTaken: 'withdrawn',
          outcome: 'recovered',
        }),
      },
    );
    expect(created.statusCode, created.body).toBe(201);
    aeId = created.json().aeId;
  });
  afterAll(async () => t?.close());

  const investigator = () => as(t.app, users.investigator);

  it('carries the lots, coded terms, conmeds, history, flagged labs and dechallenge from the data', async () => {
    const response = await investigator().get(`/api/v1/adverse-events/${aeId}/report?clockId=sae-to-sponsor`);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report.report).toMatchObject({ type: 'initial', followUpNumber: 0, version: 'initial' });
    expect(report.reaction).toMatchObject({
      meddraPreferredTerm: expect.stringMatching(/^Bronchospasm \(\d{8}\)$/),
      meddraPreferredTermZh: expect.stringMatching(/^支气管痉挛 \(\d{8}\)$/),
      onsetDayAfterFirstDose: 2,
      seriousnessCriteriaCodes: ['hospitalisation'],
    });
    expect(report.reaction.laboratory).toEqual([
      expect.objectContaining({ test: 'Lymphocyte count', value: 0.6, flag: 'low', low: 1.1, high: 3.2 }),
    ]);
    expect(report.suspectProduct).toMatchObject({
      dosesGiven: 2,
      lotNumbers: ['LOT-SAE-0001', 'LOT-SAE-0002'],
      // Dose 3 was not given after the onset, and the event resolved: a positive dechallenge.
      dechallenge: { answer: 'yes', source: 'derived' },
      rechallenge: { answer: 'not-applicable', source: 'derived' },
    });
    expect(report.concomitant.medications).toEqual([
      expect.objectContaining({ verbatim: 'Paracetamol', coded: expect.stringMatching(/^PARACETAMOL \(/) }),
    ]);
    expect(report.narrative.revision).toBeNull();
    expect(report.narrative.text).toContain('lot LOT-SAE-0002');
    expect(report.narrative.text).toContain('Lymphocyte count 0.6');
  });

  it('keeps every saved revision of the narrative, audited, and refuses an edit of a stale revision', async () => {
    const view = (await investigator().get(`/api/v1/adverse-events/${aeId}/narrative`)).json();
    expect(view.draft.en).toContain('(day 2 after the first dose)');
    expect(view.draft.zh).toContain('首次给药后第2天');
    expect(view.derived.dechallenge.answer).toBe('yes');
    expect(view.revisions).toEqual([]);
    const coordinator = await as(t.app, users.coordinator).post(`/api/v1/adverse-events/${aeId}/narrative`, {
      narrative: view.draft.en,
      baseRevision: 0,
    });
    expect(coordinator.statusCode).toBe(403);
    const tooShort = await investigator().post(`/api/v1/adverse-events/${aeId}/narrative`, {
      narrative: 'short',
      baseRevision: 0,
    });
    expect(tooShort.statusCode).toBe(400);
    expect(tooShort.json().message).toBeTruthy();
    const first = await investigator().post(`/api/v1/adverse-events/${aeId}/narrative`, {
      narrative: `${view.draft.en} Investigator's first edit.`,
      baseRevision: 0,
    });
    expect(first.statusCode, first.body).toBe(201);
    const second = await investigator().post(`/api/v1/adverse-events/${aeId}/narrative`, {
      narrative: 'Bronchospasm 2 h after the second nebulisation; salbutamol given; resolved next morning.',
      rechallenge: 'no',
      reason: 'clinical course added',
      baseRevision: 1,
    });
    expect(second.statusCode, second.body).toBe(201);
    const stale = await investigator().post(`/api/v1/adverse-events/${aeId}/narrative`, {
      narrative: 'An edit made from the first revision.',
      baseRevision: 1,
    });
    expect(stale.statusCode).toBe(409);
    const after = (await investigator().get(`/api/v1/adverse-events/${aeId}/narrative`)).json();
    expect(after.revisions.map((entry: { revision: number }) => entry.revision)).toEqual([2, 1]);
    expect(after.revisions[1].narrative).toContain("Investigator's first edit.");
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'new_value'])
        .where('action', '=', 'safety.report.narrative')
        .where('entity_id', '=', aeId)
        .orderBy('seq')
        .execute(),
    );
    expect(trail.map((entry) => (entry.new_value as { revision: number }).revision)).toEqual([1, 2]);
    const report = (await investigator().get(`/api/v1/adverse-events/${aeId}/report`)).json();
    expect(report.narrative).toMatchObject({
      revision: 2,
      text: expect.stringContaining('salbutamol given'),
    });
    expect(report.suspectProduct.rechallenge).toMatchObject({ answer: 'no', source: 'investigator' });
  });

  describe('the CIOMS I PDF and the versions sent', () => {
    let initialId: string;
    let initialPdf: Buffer;

    it('prints the form in English and in Chinese', async () => {
      for (const [lang, words] of [
        [
          'en',
          [
            'SUSPECT ADVERSE REACTION REPORT',
            'II. SUSPECT DRUG(S) INFORMATION',
            'Initial',
            'salbutamol given',
          ],
        ],
        // The coded terms by the names of MedDRA's Chinese translation (PT and SOC of the synthetic release).
        [
          'zh',
          [
            '可疑不良反应报告',
            '二、可疑药物信息',
            '首次报告',
            '淋巴细胞计数',
            '支气管痉挛',
            '呼吸系统合成疾病',
          ],
        ],
      ] as const) {
        const response = await investigator().get(`/api/v1/adverse-events/${aeId}/report.pdf?lang=${lang}`);
        expect(response.statusCode, response.body).toBe(200);
        const { text } = chromiumPdfText(response.rawPayload);
        const flat = text.replace(/\n/g, '');
        for (const word of [...words, 'LOT-SAE-0001', 'LOT-SAE-0002', 'Bronchospasm', 'PARACETAMOL']) {
          expect(flat, `${lang}: ${word}`).toContain(word);
        }
        if (lang === 'en') expect(flat).not.toContain('支气管痉挛');
      }
    });

    it('keeps the PDF of each submission as sent; follow-ups are numbered', async () => {
      const submit = (kind: 'initial' | 'follow-up', language?: 'zh') =>
        as(t.app, users.coordinator).post(`/api/v1/adverse-events/${aeId}/submissions/site`, {
          clockId: 'sae-to-sponsor',
          kind,
          submittedAt: new Date(Date.now() - 60_000).toISOString(),
          password: PASSWORD,
          ...(language ? { language } : {}),
        });
      const initial = await submit('initial');
      expect(initial.statusCode, initial.body).toBe(201);
      expect(initial.json()).toMatchObject({ followUpNumber: 0, version: 'initial', documentLanguage: 'en' });
      initialId = initial.json().submissionId;
      initialPdf = (await investigator().get(`/api/v1/safety/submissions/${initialId}/report.pdf`))
        .rawPayload;
      expect(initial.json().documentSha256).toBe(
        (await import('node:crypto')).createHash('sha256').update(initialPdf).digest('hex'),
      );
      // The narrative changes after the initial report: the follow-up carries it, the initial does not.
      const edited = await investigator().post(`/api/v1/adverse-events/${aeId}/narrative`, {
        narrative: 'Follow-up: chest CT on day 4 showed no new infiltrates; the participant was discharged.',
        baseRevision: 2,
      });
      expect(edited.statusCode, edited.body).toBe(201);
      const next = (
        await investigator().get(`/api/v1/adverse-events/${aeId}/report?clockId=sae-to-sponsor`)
      ).json();
      expect(next.report).toMatchObject({ type: 'follow-up', followUpNumber: 1, version: 'follow-up 1' });
      const first = await submit('follow-up', 'zh');
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({
        followUpNumber: 1,
        version: 'follow-up 1',
        documentLanguage: 'zh',
      });
      const second = await submit('follow-up');
      expect(second.json()).toMatchObject({ followUpNumber: 2, version: 'follow-up 2' });

      const again = await investigator().get(`/api/v1/safety/submissions/${initialId}/report.pdf`);
      expect(again.headers['x-report-as-sent']).toBe('true');
      expect(Buffer.compare(again.rawPayload, initialPdf)).toBe(0);
      const initialText = chromiumPdfText(again.rawPayload).text.replace(/\n/g, '');
      expect(initialText).toContain('salbutamol given');
      expect(initialText).not.toContain('discharged');
      const followUp = await investigator().get(
        `/api/v1/safety/submissions/${first.json().submissionId}/report.pdf`,
      );
      const followUpText = chromiumPdfText(followUp.rawPayload).text.replace(/\n/g, '');
      expect(followUpText).toContain('随访报告');
      expect(followUpText).toContain('discharged');
      // Asked in the other language, the data as sent are printed again (and say so).
      const english = await investigator().get(
        `/api/v1/safety/submissions/${first.json().submissionId}/report.pdf?lang=en`,
      );
      expect(english.headers['x-report-as-sent']).toBe('false');
      expect(chromiumPdfText(english.rawPayload).text.replace(/\n/g, '')).toContain('Follow-up');
    });
  });
});
