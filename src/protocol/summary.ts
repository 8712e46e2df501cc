import type { LocalizedText, Protocol, ProtocolVisit } from './schema.ts';

export type SummaryLanguage = 'en' | 'zh';

const HEADINGS = {
  en: {
    version: 'protocol version',
    registry: 'Registry',
    phase: 'phase',
    enrolment: 'planned enrolment',
    sponsor: 'Sponsor',
    condition: 'Condition',
    sites: 'Sites',
    regimen: 'Regimen',
    arms: 'Arms',
    randomisation: 'Randomisation',
    product: 'Product',
    schedule: 'Schedule',
    forms: 'Forms',
    items: 'items',
    eligibility: 'Eligibility',
    inclusion: 'Inclusion',
    exclusion: 'Exclusion',
    safety: 'Safety',
    outcomes: 'Outcomes',
    primary: 'Primary',
    secondary: 'Secondary',
    exploratory: 'Exploratory',
    day: 'day',
    doses: 'doses',
    default: '(default)',
  },
  zh: {
    version: '方案版本',
    registry: '注册号',
    phase: '分期',
    enrolment: '计划入组',
    sponsor: '申办者',
    condition: '适应症',
    sites: '研究中心',
    regimen: '给药方案',
    arms: '组别',
    randomisation: '随机化',
    product: '研究产品',
    schedule: '访视计划',
    forms: '病例报告表',
    items: '个条目',
    eligibility: '入选资格',
    inclusion: '入选标准',
    exclusion: '排除标准',
    safety: '安全性',
    outcomes: '结局指标',
    primary: '主要',
    secondary: '次要',
    exploratory: '探索性',
    day: '第',
    doses: '次给药',
    default: '（默认）',
  },
} as const;

/** A readable plain-text summary of a protocol in English or Simplified Chinese, for `exotrial protocol show`. */
export function protocolSummary(protocol: Protocol, lang: SummaryLanguage): string {
  const h = HEADINGS[lang];
  const t = (text: LocalizedText): string => text[lang];
  const { study, regimen, product, safety, outcomes, eligibility } = protocol;
  const lines: string[] = [];
  lines.push(`${study.shortTitle} (${study.id}) — ${h.version} ${protocol.version}`);
  lines.push(t(study.title));
  lines.push(
    `${h.registry} ${study.registryId} · ${h.phase} ${study.phase} · ${study.design.type}, ${study.design.model}, allocation ${study.design.allocation}, masking ${study.design.masking} · ${h.enrolment} ${study.plannedEnrolment}`,
  );
  lines.push(`${h.sponsor}: ${t(study.sponsor.name)}`);
  lines.push(`${h.condition}: ${t(study.condition.name)}`);
  lines.push(
    `${h.sites}: ${study.sites.map((site) => `${site.code} ${t(site.name)} (${site.timeZone})`).join('; ')}`,
  );
  lines.push('');
  lines.push(
    `${h.regimen}: ${t(regimen.dose.description)}; ${regimen.volume.amount} ${regimen.volume.unit}, ${regimen.route}, ${t(regimen.device.name)}; ${regimen.numberOfDoses} ${h.doses} (${regimen.doseVisits.join(', ')})`,
  );
  lines.push(...designLines(protocol, lang));
  const storage = product.storage;
  lines.push(
    `${h.product}: ${product.code} — ${t(product.name)}; ${storage.temperatureCelsius} °C (${storage.allowedCelsius.low}…${storage.allowedCelsius.high} °C, excursion ≤ ${storage.excursionToleranceMinutes} min); ${thawedText(product.thawed)}${product.release.length} release tests`,
  );
  lines.push('');
  lines.push(
    `${h.schedule} (${h.day} ${protocol.schedule.span.firstDay} … ${protocol.schedule.span.lastDay}):`,
  );
  for (const visit of protocol.schedule.visits) lines.push(`  ${visitLine(visit, lang)}`);
  lines.push('');
  lines.push(`${h.forms} (${protocol.forms.length}):`);
  for (const form of protocol.forms) {
    const domain = form.sdtmDomain ? ` [${form.sdtmDomain}]` : '';
    lines.push(`  ${form.id}${domain} — ${t(form.title)} (${form.items.length} ${h.items})`);
  }
  lines.push('');
  lines.push(...eligibilityLines(eligibility, lang));
  lines.push('');
  lines.push(
    `${h.safety}: ${safety.grading.system} v${safety.grading.version}; ${safety.causality.scale}; ${safety.clocks.map((clock) => `${t(clock.name)} ≤ ${clock.deadline.value} ${clock.deadline.unit}`).join('; ')}`,
  );
  for (const rule of safety.stoppingRules) lines.push(`  ${rule.id}: ${t(rule.description)}`);
  lines.push('');
  const scale = outcomes.ordinalScale;
  lines.push(`${h.outcomes}${scale ? ` (${t(scale.name)}, ${scale.categories.length})` : ''}:`);
  for (const [heading, list] of [
    [h.primary, outcomes.primary],
    [h.secondary, outcomes.secondary],
    [h.exploratory, outcomes.exploratory],
  ] as const) {
    for (const outcome of list) lines.push(`  ${heading}: ${t(outcome.title)} (${outcome.timeFrameDays} d)`);
  }
  return lines.join('\n');
}

function eligibilityLines(eligibility: Protocol['eligibility'], lang: SummaryLanguage): string[] {
  const h = HEADINGS[lang];
  const lines = [`${h.eligibility}:`];
  for (const [heading, criteria] of [
    [h.inclusion, eligibility.inclusion],
    [h.exclusion, eligibility.exclusion],
  ] as const) {
    lines.push(`  ${heading}:`);
    for (const criterion of criteria) {
      const mark = criterion.origin === 'default' ? ` ${h.default}` : '';
      lines.push(`    ${criterion.id}. ${criterion.text[lang]}${mark}`);
    }
  }
  return lines;
}

function thawedText(thawed: Protocol['product']['thawed']): string {
  if (!thawed) return '';
  return `thawed ≤ ${thawed.useWithinHours} h${thawed.refreezeAllowed ? '' : ', never refrozen'}; `;
}

function visitLine(visit: ProtocolVisit, lang: SummaryLanguage): string {
  const unit = visit.window.unit === 'days' ? 'd' : 'h';
  const days = visit.repeat ? `${visit.day}…${visit.repeat.lastDay}` : `${visit.day}`;
  const forms = [
    ...visit.forms,
    ...visit.timepoints.map((timepoint) => `${timepoint.forms.join('+')}@${timepoint.id}`),
  ];
  const day = lang === 'zh' ? `第 ${days} 天` : `day ${days}`;
  return `${visit.id.padEnd(14)} ${day} (−${visit.window.before}/+${visit.window.after} ${unit}) ${visit.name[lang]}: ${forms.join(', ')}`;
}

/** The arms (with an arm's own regimen) and the randomisation, for a protocol with more than one arm. */
function designLines(protocol: Protocol, lang: SummaryLanguage): string[] {
  const h = HEADINGS[lang];
  const { arms } = protocol.study.design;
  if (arms.length < 2) return [];
  const lines = [
    `${h.arms}: ${arms
      .map(
        (arm) =>
          `${arm.id} ${arm.name[lang]}${arm.regimen ? ` (${arm.regimen.dose.description[lang]})` : ''}`,
      )
      .join('; ')}`,
  ];
  const randomisation = protocol.randomisation;
  if (randomisation) {
    const ratio = Object.entries(randomisation.ratio)
      .map(([arm, share]) => `${arm} ${share}`)
      .join(' : ');
    const factors = randomisation.stratification.map((factor) => factor.id).join(', ') || '—';
    const method =
      randomisation.method === 'permuted-blocks'
        ? `permuted blocks of ${randomisation.blockSizes.join(' or ')}`
        : `minimisation (${randomisation.imbalance}, p = ${randomisation.preferredArmProbability})`;
    lines.push(`${h.randomisation}: ${method}; ${ratio}; ${factors}`);
  }
  return lines;
}
