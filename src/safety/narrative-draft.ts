// The draft narrative of an expedited report, written from the report's own fields so that it says
// nothing the data do not: who, the doses given (with lots), onset relative to the first dose, the
// event's course, seriousness, grade, causality, action taken, outcome, and the laboratory values
// around the event with their flags. The investigator edits it before it is sent.

type Challenge = { answer: string | null; basis: string | null };

/** The fields of a report the draft reads (a subset of `CiomsReport`). */
export interface NarrativeSource {
  patient: { identifier: string; site: string; sex: string | null; ageYears: number | null };
  reaction: {
    term: string | null;
    meddraPreferredTerm: string | null;
    onset: string | null;
    onsetDayAfterFirstDose: number | null;
    end: string | null;
    ongoing: boolean | null;
    grade: number | null;
    gradingSystem: string;
    serious: boolean | null;
    seriousnessCriteria: Array<string | null>;
    outcome: string | null;
    laboratory: Array<{
      test: string | null;
      collectedOn: string;
      value: number;
      unit: string;
      flag: string | null;
    }>;
  };
  suspectProduct: {
    name: string | null;
    doses: Array<{
      doseNumber: number;
      status: string;
      startedAt: string | null;
      lotNumber: string | null;
    }>;
    actionTaken: string | null;
    dechallenge: Challenge;
  };
  assessment: { causalityScale: string; causality: string | null };
}

const SEX = { M: { en: 'male', zh: '男性' }, F: { en: 'female', zh: '女性' } } as const;
const FLAG = {
  low: { en: 'low', zh: '偏低' },
  high: { en: 'high', zh: '偏高' },
  normal: { en: 'normal', zh: '正常' },
} as const;

const day = (instant: string | null) => (instant ? instant.slice(0, 10) : '?');

/** The draft narrative in English or Chinese; `zh` maps the report's English labels to Chinese. */
export function draftNarrative(
  report: NarrativeSource,
  language: 'en' | 'zh',
  zh: Record<string, string>,
): string {
  const t = (text: string | null) => (text === null ? '—' : language === 'zh' ? (zh[text] ?? text) : text);
  const { patient, reaction, suspectProduct: product, assessment } = report;
  const sex = patient.sex === 'M' || patient.sex === 'F' ? SEX[patient.sex][language] : null;
  const given = product.doses.filter((dose) => dose.status !== 'not-given' && dose.startedAt);
  const doseText = given
    .map((dose) =>
      language === 'zh'
        ? `第${dose.doseNumber}次 ${day(dose.startedAt)}（批号 ${dose.lotNumber ?? '未知'}）`
        : `dose ${dose.doseNumber} on ${day(dose.startedAt)} (lot ${dose.lotNumber ?? 'unknown'})`,
    )
    .join(language === 'zh' ? '；' : '; ');
  const labs = reaction.laboratory
    .filter((lab) => lab.flag === 'low' || lab.flag === 'high')
    .map((lab) => {
      const flag = lab.flag === 'low' || lab.flag === 'high' ? FLAG[lab.flag][language] : '';
      return `${t(lab.test)} ${lab.value} ${lab.unit} (${flag}, ${lab.collectedOn})`;
    });
  const term = reaction.meddraPreferredTerm
    ? `${reaction.term ?? '—'} (MedDRA PT ${reaction.meddraPreferredTerm})`
    : (reaction.term ?? '—');
  const criteria = reaction.seriousnessCriteria
    .map((entry) => t(entry))
    .join(language === 'zh' ? '、' : ', ');
  if (language === 'zh') {
    return [
      `受试者 ${patient.identifier}（${patient.site}），${patient.ageYears ?? '?'}岁${sex ?? ''}。`,
      `共接受${given.length}次${t(product.name)}给药：${doseText || '无'}。`,
      `${reaction.onset ?? '?'}${reaction.onsetDayAfterFirstDose ? `（首次给药后第${reaction.onsetDayAfterFirstDose}天）` : ''}发生${term}，${reaction.gradingSystem} ${reaction.grade ?? '?'}级。`,
      reaction.serious ? `该事件为严重不良事件（${criteria}）。` : '该事件为非严重不良事件。',
      `对研究产品采取的措施：${t(product.actionTaken)}。${product.dechallenge.basis ? t(product.dechallenge.basis) : ''}`,
      `因果关系（${assessment.causalityScale}）：${t(assessment.causality)}。`,
      `转归：${t(reaction.outcome)}${reaction.ongoing === false && reaction.end ? `，${reaction.end}缓解` : ''}。`,
      labs.length > 0 ? `事件前后异常实验室检查：${labs.join('；')}。` : '事件前后无异常实验室检查结果。',
    ].join('');
  }
  return [
    `A ${patient.ageYears ?? '?'}-year-old ${sex ?? 'participant'} (${patient.identifier}, ${patient.site})`,
    ` received ${given.length} dose(s) of ${t(product.name)}: ${doseText || 'none'}.`,
    ` On ${reaction.onset ?? '?'}${reaction.onsetDayAfterFirstDose ? ` (day ${reaction.onsetDayAfterFirstDose} after the first dose)` : ''} the participant developed ${term}, ${reaction.gradingSystem} grade ${reaction.grade ?? '?'}.`,
    reaction.serious ? ` The event was serious (${criteria}).` : ' The event was not serious.',
    ` Action taken with the study product: ${t(product.actionTaken)}.${product.dechallenge.basis ? ` ${product.dechallenge.basis}` : ''}`,
    ` Causality (${assessment.causalityScale}): ${t(assessment.causality)}.`,
    ` Outcome: ${t(reaction.outcome)}${reaction.ongoing === false && reaction.end ? `, resolved on ${reaction.end}` : ''}.`,
    labs.length > 0
      ? ` Out-of-range laboratory values around the event: ${labs.join('; ')}.`
      : ' No out-of-range laboratory values around the event.',
  ].join('');
}
