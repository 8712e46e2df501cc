import type { PaperLanguage } from '../casebook/casebook-words.ts';
import { esc, paperDocument, unitText } from '../casebook/paper-html.ts';
import { ciomsWords } from './cioms-words.ts';
import type { CiomsReport } from './report.ts';

// The CIOMS I form as HTML for printing (Chromium, A4): the boxes of the form in its order — I reaction
// information (1–13), II suspect drug (14–21), III concomitant drugs and history (22–23), IV
// manufacturer information (24–25) — filled from a report's data, and a continuation page when the
// narrative or the tables do not fit their boxes. Reports stored before a field existed print it empty.

type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type StoredReport = DeepPartial<CiomsReport>;

/** Characters of narrative the description box holds; the rest goes to the continuation page. */
export const NARRATIVE_BOX_CHARS = 1400;
const LAB_ROWS_IN_BOX = 6;
const CONMEDS_IN_BOX = 5;

const STYLE = `
@page{size:A4;margin:10mm}
.form{border:1.2pt solid #000;width:100%;border-collapse:collapse;table-layout:fixed;margin:0 0 4pt}
.form td{border:0.8pt solid #000;padding:2pt 4pt;vertical-align:top;font-size:8.5pt}
.form .head{background:#ddd;font-weight:700;font-size:9.5pt}
.box{display:block;font-size:6.5pt;text-transform:uppercase;color:#222;margin-bottom:2pt}
.fill{font-size:9pt;white-space:pre-wrap}
.tick{display:inline-block;width:8pt;height:8pt;border:0.8pt solid #000;text-align:center;line-height:8pt;font-size:7pt;margin-right:3pt}
.title{display:flex;justify-content:space-between;align-items:flex-end;margin-bottom:4pt}
.title b{font-size:14pt}
.foot{font-size:7pt;color:#444;margin-top:4pt}
.narrow th,.narrow td{font-size:8pt}
`;

const cell = (box: string, fill: string, attributes = '') =>
  `<td ${attributes}><span class="box">${esc(box)}</span><span class="fill">${fill}</span></td>`;
const tick = (on: boolean | null | undefined) => `<span class="tick">${on ? '✕' : ''}</span>`;
const text = (value: unknown) =>
  value === null || value === undefined || value === '' ? '—' : esc(String(value));

function dateParts(value: string | null | undefined) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value ?? '');
  return match ? { year: match[1], month: match[2], day: match[3] } : { year: '', month: '', day: '' };
}

/** What each section of the form reads: the report, the words and the label translator of its language. */
interface Sheet {
  report: StoredReport;
  w: Words;
  tr: Translate;
  narrative: string;
  language: PaperLanguage;
}

/** The form of one report in one language; `digest` is the SHA-256 of its data. */
export function renderCiomsHtml(report: StoredReport, language: PaperLanguage, digest: string): string {
  const w = ciomsWords(language);
  const labelsZh = (report.labelsZh ?? {}) as Record<string, string>;
  const tr: Translate = (value) =>
    value === null || value === undefined ? '—' : esc(language === 'zh' ? (labelsZh[value] ?? value) : value);
  const narrative = (language === 'zh' ? report.narrative?.textZh : null) ?? report.narrative?.text ?? '';
  const sheet = { report, w, tr, narrative, language };
  const meta = report.report ?? {};
  const versionText = meta.followUpNumber ? `${w('followUp')} ${meta.followUpNumber}` : w('initial');
  const continuation =
    narrative.length > NARRATIVE_BOX_CHARS ||
    (report.reaction?.laboratory ?? []).length > LAB_ROWS_IN_BOX ||
    (report.concomitant?.medications ?? []).length > CONMEDS_IN_BOX;
  const page1 = `
<div class="title"><b>${w('form')}</b><span>${w('title')}</span><span>${w('caseId')}: ${text(meta.caseId)} · ${w('version')}: ${esc(versionText)}</span></div>
<table class="form">
${reactionSection(sheet)}
${suspectDrugSection(sheet)}
${concomitantSection(sheet)}
${manufacturerSection(sheet)}
</table>
<div class="foot">${w('digest')}: ${esc(digest)}</div>`;
  const page2 = continuation ? continuationPage(report, narrative, language, tr, digest) : '';
  return paperDocument(`CIOMS I ${meta.caseId ?? ''}`, language, STYLE, page1 + page2);
}

/** I. Reaction information: boxes 1–6, the description (7 + 13) and the seriousness boxes (8–12). */
function reactionSection({ report, w, tr, narrative, language }: Sheet): string {
  const reaction = report.reaction ?? {};
  const labs = reaction.laboratory ?? [];
  const overflow = narrative.length > NARRATIVE_BOX_CHARS;
  // The form's four boxes are ICH E2A's criteria; every criterion of the protocol shows in the description.
  const criteria = reaction.seriousnessCriteriaCodes ?? [];
  const has = (code: string) => criteria.includes(code);
  const onset = dateParts(reaction.onset);
  // In Chinese, the MedDRA names of the Chinese translation where it was loaded (a report stored
  // before these were kept has only the English ones).
  const zh = language === 'zh';
  const pt = (zh ? reaction.meddraPreferredTermZh : null) ?? reaction.meddraPreferredTerm;
  const llt = (zh ? reaction.meddraLowestLevelTermZh : null) ?? reaction.meddraLowestLevelTerm;
  const soc = (zh ? reaction.meddraSystemOrganClassZh : null) ?? reaction.meddraSystemOrganClass;
  const coded = pt
    ? ` — ${w('codedTerm')} ${esc(reaction.meddraVersion ?? '')} PT ${esc(pt)}; LLT ${text(llt)}; SOC ${text(soc)}`
    : '';
  const description = [
    `${text(reaction.term)}${coded}`,
    `${w('grade')}: ${text(reaction.grade)} (${text(reaction.gradingSystem)}) · ${w('outcome')}: ${tr(reaction.outcome)} · ${w('causality')}: ${tr(report.assessment?.causality)} (${text(report.assessment?.causalityScale)})`,
    (reaction.seriousnessCriteria ?? []).map((entry) => tr(entry)).join('; '),
    '',
    esc(overflow ? `${narrative.slice(0, NARRATIVE_BOX_CHARS)}…` : narrative) +
      (overflow ? ` ${w('continued')}` : ''),
    ...(labs.length > 0 && labs.length <= LAB_ROWS_IN_BOX ? ['', labLines(labs, tr, w)] : []),
  ].join('\n');
  const patient = report.patient ?? {};
  return `<tr><td colspan="8" class="head">${w('sectionI')}</td></tr>
<tr>${cell(w('box1'), text(patient.identifier))}${cell(w('box1a'), text(patient.country))}${cell(w('box2'), '—')}${cell(w('box2a'), `${text(patient.ageYears)} ${w('years')}`)}${cell(w('box3'), text(patient.sex))}
${cell(w('box4'), `${w('day')} ${esc(onset.day ?? '')} · ${w('month')} ${esc(onset.month ?? '')} · ${w('year')} ${esc(onset.year ?? '')}`, 'colspan="3"')}</tr>
<tr>${cell(w('box7'), description, 'colspan="6" style="height:250pt"')}
${cell(w('box8'), `${tick(has('death'))}${w('died')}<br>${tick(has('hospitalisation'))}${w('hospital')}<br>${tick(has('disability'))}${w('disability')}<br>${tick(has('life-threatening'))}${w('lifeThreatening')}`, 'colspan="2"')}</tr>`;
}

/** II. Suspect drug: boxes 14–19, with dechallenge (20) and rechallenge (21). */
function suspectDrugSection({ report, w, tr }: Sheet): string {
  const product = report.suspectProduct ?? {};
  const lots = (product.lotNumbers ?? []).join(', ');
  const challenge = (value: DeepPartial<{ answer: string | null; source: string }> | undefined) =>
    `${tick(value?.answer === 'yes')}${w('yes')} ${tick(value?.answer === 'no')}${w('no')} ${tick(value?.answer === 'not-applicable')}${w('notApplicable')}` +
    (value?.source === 'investigator' ? ` <span class="box">(${w('byInvestigator')})</span>` : '');
  return `<tr><td colspan="8" class="head">${w('sectionII')}</td></tr>
<tr>${cell(w('box14'), `${tr(product.name)}<br>${w('lots')}: ${text(lots)}`, 'colspan="5"')}${cell(w('box20'), challenge(product.dechallenge), 'colspan="3" rowspan="2"')}</tr>
<tr>${cell(w('box15'), text(product.dose), 'colspan="3"')}${cell(w('box16'), text(product.route), 'colspan="2"')}</tr>
<tr>${cell(w('box17'), tr(product.indication), 'colspan="5"')}${cell(w('box21'), challenge(product.rechallenge), 'colspan="3" rowspan="2"')}</tr>
<tr>${cell(w('box18'), `${text(product.firstDose?.slice(0, 10))} / ${text(product.lastDose?.slice(0, 10))}`, 'colspan="3"')}${cell(w('box19'), `${text(product.dosesGiven)} ${w('dosesGiven')}`, 'colspan="2"')}</tr>`;
}

/** III. Concomitant drugs (22) and other relevant history (23). */
function concomitantSection({ report, w, tr }: Sheet): string {
  const conmeds = report.concomitant?.medications ?? [];
  const conmedText =
    conmeds.length === 0
      ? w('none')
      : conmeds
          .slice(0, CONMEDS_IN_BOX)
          .map((line) => conmedLine(line, tr, w))
          .join('\n') + (conmeds.length > CONMEDS_IN_BOX ? `\n${w('continued')}` : '');
  const history = (report.concomitant?.history ?? []).map((entry) => tr(entry)).join('; ') || w('none');
  return `<tr><td colspan="8" class="head">${w('sectionIII')}</td></tr>
<tr>${cell(w('box22'), conmedText, 'colspan="8"')}</tr>
<tr>${cell(w('box23'), history, 'colspan="8"')}</tr>`;
}

/** IV. Manufacturer information (24a–d), the date of the report and its type (25a). */
function manufacturerSection({ report, w, tr }: Sheet): string {
  const meta = report.report ?? {};
  const followUp = meta.followUpNumber ?? 0;
  return `<tr><td colspan="8" class="head">${w('sectionIV')}</td></tr>
<tr>${cell(w('box24a'), tr(meta.sponsor), 'colspan="4" rowspan="2"')}${cell(w('box24b'), text(meta.caseId), 'colspan="4"')}</tr>
<tr>${cell(w('box24c'), text(meta.siteAwareAt), 'colspan="2"')}${cell(w('box24d'), `${tick(true)}${w('study')} ${tick(false)}${w('literature')} ${tick(false)}${w('professional')}`, 'colspan="2"')}</tr>
<tr>${cell(w('reportDate'), text(report.generatedAt?.slice(0, 10)), 'colspan="4"')}${cell(w('box25a'), `${tick(followUp === 0)}${w('initial')} ${tick(followUp > 0)}${w('followUp')} ${followUp > 0 ? esc(String(followUp)) : ''}`, 'colspan="4"')}</tr>`;
}

type Words = ReturnType<typeof ciomsWords>;
type Translate = (value: string | null | undefined) => string;
type StoredLab = NonNullable<StoredReport['reaction']>['laboratory'] extends (infer L)[] | undefined
  ? L
  : never;
type StoredConmed = NonNullable<StoredReport['concomitant']>['medications'] extends (infer C)[] | undefined
  ? C
  : never;

const flagWord = (flag: unknown, w: Words) =>
  flag === 'low' || flag === 'high' || flag === 'normal' ? w(flag) : '';

function labLines(labs: StoredLab[], tr: Translate, w: Words): string {
  return labs
    .map((lab) => {
      const flag = flagWord(lab?.flag, w);
      return `${esc(lab?.collectedOn ?? '')} ${tr(lab?.test)}: ${text(lab?.value)} ${esc(unitText(lab?.unit))}${flag ? ` (${flag})` : ''}`;
    })
    .join('\n');
}

function conmedLine(line: StoredConmed, tr: Translate, w: Words): string {
  const coded = line?.coded
    ? ` [${w('coded')}: ${esc(line.coded)}${line.atc ? `; ATC ${esc(line.atc)}` : ''}]`
    : '';
  const dates = `${text(line?.start)} – ${line?.ongoing ? w('ongoing') : text(line?.end)}`;
  return `${text(line?.verbatim)}${coded} · ${text(line?.dose)} · ${tr(line?.route)} · ${text(line?.indication)} · ${dates}`;
}

function continuationPage(
  report: StoredReport,
  narrative: string,
  language: PaperLanguage,
  tr: Translate,
  digest: string,
): string {
  const w = ciomsWords(language);
  const revision = report.narrative?.revision;
  const labs = report.reaction?.laboratory ?? [];
  const rows = (cells: string[][]) =>
    cells.map((row) => `<tr>${row.map((value) => `<td>${value}</td>`).join('')}</tr>`).join('');
  const labTable = labs.length
    ? `<h3>${w('labs')}</h3><table class="narrow"><tr><th>${w('date')}</th><th>${w('test')}</th><th>${w('result')}</th><th>${w('range')}</th><th>${w('flag')}</th></tr>${rows(
        labs.map((lab) => [
          esc(lab?.collectedOn ?? ''),
          tr(lab?.test),
          `${text(lab?.value)} ${esc(unitText(lab?.unit))}`,
          lab?.low === null && lab?.high === null ? '—' : `${text(lab?.low)} – ${text(lab?.high)}`,
          flagWord(lab?.flag, w),
        ]),
      )}</table>`
    : '';
  const conmeds = report.concomitant?.medications ?? [];
  const doses = report.suspectProduct?.doses ?? [];
  return `
<div class="page"><div class="title"><b>${w('continuation')}</b><span>${w('caseId')}: ${text(report.report?.caseId)}</span></div>
<h3>${w('narrative')} <span class="box">${revision ? `${w('narrativeRevision')} ${esc(String(revision))}` : w('narrativeDraft')}</span></h3>
<p class="fill">${esc(narrative)}</p>
${labTable}
${conmeds.length ? `<h3>${w('box22')}</h3><p class="fill">${conmeds.map((line) => conmedLine(line, tr, w)).join('\n')}</p>` : ''}
${doses.length ? `<h3>${w('doses')}</h3><table class="narrow"><tr><th>${w('dose')}</th><th>${w('date')}</th><th>${w('status')}</th><th>${w('lots')}</th><th>${w('vial')}</th></tr>${rows(doses.map((dose) => [text(dose?.doseNumber), text(dose?.startedAt?.slice(0, 16)), text(dose?.status), text(dose?.lotNumber), text(dose?.vialNumber)]))}</table>` : ''}
<div class="foot">${w('digest')}: ${esc(digest)}</div></div>`;
}
