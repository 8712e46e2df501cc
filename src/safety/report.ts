import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { MeddraCoding } from '../coding/coded-terms.ts';
import type { LocalizedText, Protocol } from '../protocol/schema.ts';
import { type ChallengeFinding, deriveChallenge } from './challenge.ts';
import { draftNarrative } from './narrative-draft.ts';
import type { ReportData } from './report-data.ts';
import type { AdverseEventView } from './safety.schema.ts';

// The expedited report of one adverse event: structured data with the fields of a CIOMS I form. Labels
// are English; `labelsZh` maps each English label used to its Chinese, so the Chinese form is printed
// from the same data. What was sent is stored with its SHA-256 (src/safety/submission.service.ts).

export interface ReportContext {
  protocol: Protocol;
  event: AdverseEventView;
  site: { siteId: string; name: string; timeZone: string; country: string | null };
  patient: { sex: string | null; birthDate: string | null };
  /** The onset as an instant (the event's onset is entered as the site's wall-clock time). */
  onset: Date | null;
  data: ReportData;
  report: {
    clockId: string | null;
    kind: 'initial' | 'follow-up';
    /** 0: the initial report; 1, 2 …: follow-ups under the same clock. */
    followUpNumber: number;
    recipient: string | null;
  };
  /** The event's term as coded in MedDRA; null while it is in the coding queue or no release is loaded. */
  coded: MeddraCoding | null;
  generatedAt: Date;
}

const meddraTerm = (term: { code: string; name: string }) => `${term.name} (${term.code})`;
/** The Chinese name of a MedDRA term, when the release's Chinese translation is loaded. */
const meddraTermZh = (term: { code: string; nameZh: string | null }) =>
  term.nameZh ? `${term.nameZh} (${term.code})` : null;

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

/** English labels of the report, with their Chinese collected on the way. */
function labeller() {
  const zh: Record<string, string> = {};
  const use = (text: LocalizedText | undefined | null, fallback: string | null = null) => {
    if (!text) return fallback;
    zh[text.en] = text.zh;
    return text.en;
  };
  return { use, zh };
}

type Labels = ReturnType<typeof labeller>;

const codeListLabel = (protocol: Protocol, labels: Labels) => (listId: string, code: string | null) => {
  const item = protocol.codeLists
    .find((list) => list.id === listId)
    ?.items.find((entry) => entry.code === code);
  return code === null ? null : labels.use(item?.label, code);
};

const givenDoses = (doses: ReportData['doses']) =>
  doses.filter((dose) => dose.status !== 'not-given' && dose.startedAt);

/** CIOMS II: the suspect product, each dose with its lot, and dechallenge and rechallenge (20, 21). */
function suspectProductOf(context: ReportContext, labels: Labels) {
  const { protocol, data } = context;
  const summary = context.event.summary;
  const given = givenDoses(data.doses);
  const challenge = deriveChallenge(
    data.doses.map((dose) => ({ ...dose, startedAt: dose.startedAt ? new Date(dose.startedAt) : null })),
    protocol.regimen.numberOfDoses,
    context.onset,
    summary.outcome,
  );
  // The investigator's answer, where saved, stands over what the dosing record shows.
  const answer = (derived: ChallengeFinding, saved: string | null | undefined) => ({
    answer: saved ?? derived.answer,
    derivedAnswer: derived.answer,
    source: saved ? 'investigator' : derived.answer ? 'derived' : 'unknown',
    basis: labels.use(derived.basis),
  });
  return {
    name: labels.use(protocol.product.name),
    dose: `${protocol.regimen.dose.amount} ${protocol.regimen.dose.unit} in ${protocol.regimen.volume.amount} ${protocol.regimen.volume.unit}`,
    route: protocol.regimen.route,
    device: labels.use(protocol.regimen.device.name),
    indication: labels.use(protocol.study.condition.name),
    firstDose: given[0]?.startedAt ?? null,
    lastDose: given.at(-1)?.startedAt ?? null,
    dosesGiven: given.length,
    lotNumbers: [...new Set(given.flatMap((dose) => (dose.lotNumber ? [dose.lotNumber] : [])))],
    doses: data.doses,
    actionTaken: codeListLabel(protocol, labels)('aeAction', summary.actionTaken),
    dechallenge: answer(challenge.dechallenge, data.revision?.dechallenge),
    rechallenge: answer(challenge.rechallenge, data.revision?.rechallenge),
  };
}

/** The version label of a report: `initial`, `follow-up 1`, `follow-up 2` … */
export const versionLabel = (followUpNumber: number) =>
  followUpNumber === 0 ? 'initial' : `follow-up ${followUpNumber}`;

/** CIOMS I sections 1–25, as structured fields (the term as entered, and as coded in MedDRA when it is). */
export function buildCiomsReport(context: ReportContext) {
  const { protocol, event, data } = context;
  const summary = event.summary;
  const labels = labeller();
  const firstDose = givenDoses(data.doses)[0]?.startedAt ?? null;
  const fromList = codeListLabel(protocol, labels);
  const fromEntries = (list: ReadonlyArray<{ id: string; label: LocalizedText }>, id: string | null) =>
    id === null ? null : labels.use(list.find((entry) => entry.id === id)?.label, id);
  const sections = {
    format: 'exotrial-cioms-1',
    generatedAt: context.generatedAt.toISOString(),
    report: {
      type: context.report.kind,
      followUpNumber: context.report.followUpNumber,
      version: versionLabel(context.report.followUpNumber),
      clockId: context.report.clockId,
      recipient: context.report.recipient,
      source: 'study',
      studyRegistryId: protocol.study.registryId,
      studyTitle: protocol.study.shortTitle,
      sponsor: labels.use(protocol.study.sponsor.name),
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
      // The Chinese form prints these where the translation has them, the English names otherwise.
      meddraLowestLevelTermZh: context.coded ? meddraTermZh(context.coded.llt) : null,
      meddraPreferredTermZh: context.coded ? meddraTermZh(context.coded.pt) : null,
      meddraSystemOrganClassZh: context.coded ? meddraTermZh(context.coded.soc) : null,
      onset: summary.onsetAt,
      onsetDayAfterFirstDose:
        firstDose && context.onset
          ? Math.floor((context.onset.getTime() - Date.parse(firstDose)) / 86_400_000) + 1
          : null,
      end: summary.ongoing ? null : summary.resolvedAt,
      ongoing: summary.ongoing,
      grade: summary.grade,
      gradingSystem: `${protocol.safety.grading.system} v${protocol.safety.grading.version}`,
      serious: summary.serious,
      seriousnessCriteriaCodes: summary.seriousnessCriteria,
      seriousnessCriteria: summary.seriousnessCriteria.map((id) =>
        fromEntries(protocol.safety.seriousness.criteria, id),
      ),
      outcome: fromList('aeOutcome', summary.outcome),
      inhalationAssociated: summary.inhalationAssociated,
      laboratory: data.labs.map((lab) => ({ ...lab, test: labels.use(lab.test) })),
    },
    suspectProduct: suspectProductOf(context, labels),
    concomitant: {
      medications: data.conmeds.map((line) => ({ ...line, route: labels.use(line.route) })),
      history: data.history.map((entry) => labels.use(entry)),
    },
    assessment: {
      causalityScale: protocol.safety.causality.scale,
      causality: fromEntries(protocol.safety.causality.categories, summary.causality),
      related: summary.related,
      // A conditional or unassessable judgement is reported as possibly related though not counted related.
      possiblyRelatedForExpeditedReporting: summary.expedited,
      expected: summary.expected,
      susar: summary.susar,
    },
  };
  const revision = data.revision;
  const narrative = revision
    ? { text: revision.narrative, revision: revision.revision, savedBy: revision.saved_by_name, textZh: null }
    : {
        text: draftNarrative(sections, 'en', labels.zh),
        revision: null,
        savedBy: null,
        textZh: draftNarrative(sections, 'zh', labels.zh),
      };
  return { ...sections, narrative, labelsZh: labels.zh };
}

export function reportDigest(report: CiomsReport | Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalize(report) ?? '')
    .digest('hex');
}
