import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import canonicalize from 'canonicalize';
import type { MeddraCoding } from '../coding/coded-terms.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { AdverseEventView } from './safety.schema.ts';

// The expedited report of one adverse event: structured data with the fields of a CIOMS I form, and
// its PDF. What was sent is stored with its SHA-256, so the PDF of a submission can be re-made exactly.

export interface ReportContext {
  protocol: Protocol;
  event: AdverseEventView;
  site: { siteId: string; name: string; timeZone: string; country: string | null };
  patient: { sex: string | null; birthDate: string | null };
  doses: { first: string | null; last: string | null; given: number };
  report: { clockId: string | null; kind: 'initial' | 'follow-up'; recipient: string | null };
  /** The event's term as coded in MedDRA; null while it is in the coding queue or no release is loaded. */
  coded: MeddraCoding | null;
  generatedAt: Date;
}

const meddraTerm = (term: { code: string; name: string }) => `${term.name} (${term.code})`;

export type CiomsReport = ReturnType<typeof buildCiomsReport>;

function ageAt(birthDate: string | null, onset: string | null): number | null {
  if (!birthDate || !onset) return null;
  const born = new Date(`${birthDate.slice(0, 10)}T00:00:00Z`);
  const at = new Date(`${onset.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(born.getTime()) || Number.isNaN(at.getTime())) return null;
  let years = at.getUTCFullYear() - born.getUTCFullYear();
  const beforeBirthday =
    at.getUTCMonth() < born.getUTCMonth() ||
    (at.getUTCMonth() === born.getUTCMonth() && at.getUTCDate() < born.getUTCDate());
  if (beforeBirthday) years -= 1;
  return years;
}

const label = (
  list: ReadonlyArray<{ id?: string; code?: string; label: { en: string } }>,
  id: string | null,
) => (id === null ? null : (list.find((entry) => (entry.id ?? entry.code) === id)?.label.en ?? id));

/** CIOMS I sections 1–25, as structured fields (English; the term as entered, and as coded in MedDRA when it is). */
export function buildCiomsReport(context: ReportContext) {
  const { protocol, event } = context;
  const summary = event.summary;
  const codeList = (id: string) => protocol.codeLists.find((list) => list.id === id)?.items ?? [];
  return {
    format: 'exotrial-cioms-1',
    generatedAt: context.generatedAt.toISOString(),
    report: {
      type: context.report.kind,
      clockId: context.report.clockId,
      recipient: context.report.recipient,
      source: 'study',
      studyRegistryId: protocol.study.registryId,
      studyTitle: protocol.study.shortTitle,
      sponsor: protocol.study.sponsor.name.en,
      siteAwareAt: summary.awareAt,
      caseId: `${protocol.study.shortTitle}-${event.participantLabel}-AE${event.number}`,
    },
    patient: {
      identifier: event.participantLabel,
      country: context.site.country,
      site: context.site.name,
      sex: context.patient.sex,
      ageYears: ageAt(context.patient.birthDate, summary.onsetAt),
    },
    reaction: {
      term: summary.term,
      termCode: event.termCode,
      meddraVersion: context.coded?.version ?? null,
      meddraLowestLevelTerm: context.coded ? meddraTerm(context.coded.llt) : null,
      meddraPreferredTerm: context.coded ? meddraTerm(context.coded.pt) : null,
      meddraSystemOrganClass: context.coded ? meddraTerm(context.coded.soc) : null,
      onset: summary.onsetAt,
      end: summary.ongoing ? null : summary.resolvedAt,
      ongoing: summary.ongoing,
      grade: summary.grade,
      gradingSystem: `${protocol.safety.grading.system} v${protocol.safety.grading.version}`,
      serious: summary.serious,
      seriousnessCriteria: summary.seriousnessCriteria.map((id) =>
        label(protocol.safety.seriousness.criteria, id),
      ),
      outcome: label(codeList('aeOutcome'), summary.outcome),
      inhalationAssociated: summary.inhalationAssociated,
    },
    suspectProduct: {
      name: protocol.product.name.en,
      dose: `${protocol.regimen.dose.amount} ${protocol.regimen.dose.unit} in ${protocol.regimen.volume.amount} ${protocol.regimen.volume.unit}`,
      route: protocol.regimen.route,
      device: protocol.regimen.device.name.en,
      indication: protocol.study.condition.name.en,
      firstDose: context.doses.first,
      lastDose: context.doses.last,
      dosesGiven: context.doses.given,
      actionTaken: label(codeList('aeAction'), summary.actionTaken),
    },
    assessment: {
      causalityScale: protocol.safety.causality.scale,
      causality: label(protocol.safety.causality.categories, summary.causality),
      related: summary.related,
      // A conditional or unassessable judgement is reported as possibly related though not counted related.
      possiblyRelatedForExpeditedReporting: summary.expedited,
      expected: summary.expected,
      susar: summary.susar,
    },
  };
}

export function reportDigest(report: CiomsReport | Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalize(report) ?? '')
    .digest('hex');
}

const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

/** The report as a PDF (A4): the CIOMS sections in order, with the SHA-256 of the structured data. */
export async function renderReportPdf(report: CiomsReport | Record<string, unknown>): Promise<Buffer> {
  // PDFKit loads with the first report, not at every start of the server.
  const { default: PDFDocument } = await import('pdfkit');
  const document = new PDFDocument({ size: 'A4', margin: 50, info: { Title: 'Adverse event report' } });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => document.on('end', () => resolve(Buffer.concat(chunks))));
  // Terms may be entered in Chinese: use a CJK font where the system has one (Debian: fonts-noto-cjk).
  const unicodeFont = existsSync(CJK_FONT);
  if (unicodeFont) document.registerFont('body', CJK_FONT, 'NotoSansCJKsc-Regular');
  const font = unicodeFont ? 'body' : 'Helvetica';
  const data = report as Record<string, Record<string, unknown> | string>;
  document.font(font).fontSize(16).text('Suspect adverse reaction report (CIOMS I fields)');
  document
    .fontSize(9)
    .fillColor('#555')
    .text(`Generated ${String(data.generatedAt ?? '')}  ·  SHA-256 ${reportDigest(report)}`);
  document.moveDown();
  const sections: Array<[string, string]> = [
    ['report', 'Report'],
    ['patient', 'I. Patient'],
    ['reaction', 'I. Reaction information'],
    ['suspectProduct', 'II. Suspect product'],
    ['assessment', 'III. Assessment'],
  ];
  for (const [key, title] of sections) {
    const section = data[key];
    if (!section || typeof section !== 'object') continue;
    document.fillColor('#000').fontSize(12).text(title, { underline: true });
    document.fontSize(10);
    for (const [field, value] of Object.entries(section)) {
      const shown =
        value === null || value === undefined
          ? '—'
          : Array.isArray(value)
            ? value.join(', ') || '—'
            : String(value);
      document.text(`${field}: ${shown}`);
    }
    document.moveDown(0.5);
  }
  document.end();
  return done;
}
