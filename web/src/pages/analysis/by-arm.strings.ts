import { registerAreaStrings } from '../../i18n/area-strings.ts';

// The strings of the Analysis page's results by arm (see registerAreaStrings): imported for its effect.

const en = {
  title: 'Results by arm',
  blinded:
    'This study is randomised and blinded: results by arm are shown only to unblinded roles. The report below is pooled over all participants.',
  reference:
    'Reference arm of the hazard ratios and risk differences: {{arm}} (the first arm in the sorted order of the arm codes, as R orders a factor). Log-rank tests and Cox models unstratified, then stratified by the strata of the randomisation.',
  stratified: ', stratified by randomisation stratum',
  unallocated: '{{count}} enrolled participants have no allocation and are not analysed by arm.',
  arm: 'Arm',
  enrolled: 'Enrolled',
  analysed: 'Analysed for TTCI',
  improved: 'Improved',
  median: 'Median TTCI, days (95% CI)',
  logRank: 'Log-rank test',
  logRankValue: 'χ² = {{chisq}}, df = {{df}}, p = {{p}}',
  hazardRatio: 'Hazard ratio of improvement, {{arm}} vs {{reference}} (Cox, Efron ties)',
  hazardRatioValue: '{{hr}} (95% CI {{lower}}–{{upper}}); p = {{p}}',
  noCox: 'Cox model',
  coxUnavailable: {
    'fewer-than-two-arms': 'not fitted: fewer than two arms have participants analysed for TTCI.',
    'reference-arm-empty': 'not fitted: the reference arm has no participant analysed for TTCI.',
    'no-events': 'not fitted: no participant has improved yet.',
    'arm-without-events': 'not fitted: an arm has no improvement yet (its hazard ratio would be infinite).',
    'not-converged': 'not fitted: the model did not converge.',
  },
  adverseEvents: 'Participants with adverse events (95% CI Clopper–Pearson)',
  riskDifferences: 'Risk difference against {{reference}} (95% CI Newcombe hybrid score)',
  category: 'Category',
  difference: 'Difference',
  interval: '95% CI',
  categories: {
    participantsWithAnyEvent: 'Any adverse event',
    related: 'Adverse reaction (related)',
    serious: 'Serious adverse event',
    seriousRelated: 'Serious adverse reaction',
  },
  plotInReport: 'The Kaplan–Meier curves by arm are in section 7 of the report below.',
  dataCut: 'Data cut {{dataCut}}',
};

registerAreaStrings('analysisByArm', en, {
  title: '分组结果',
  blinded: '本研究为随机、盲法研究：分组结果仅向非盲角色显示。下方报告为全部受试者的合并结果。',
  reference:
    '风险比和风险差的参照组：{{arm}}（按组别代码排序的第一组，与 R 的因子水平顺序相同）。Log-rank 检验和 Cox 模型先不分层，再按随机化分层。',
  stratified: '，按随机化分层',
  unallocated: '{{count}} 名已入组受试者没有随机分配，未纳入分组分析。',
  arm: '组别',
  enrolled: '入组',
  analysed: '纳入 TTCI 分析',
  improved: '已改善',
  median: 'TTCI 中位数，天（95% CI）',
  logRank: 'Log-rank 检验',
  logRankValue: 'χ² = {{chisq}}，自由度 = {{df}}，p = {{p}}',
  hazardRatio: '改善的风险比，{{arm}} 对比 {{reference}}（Cox 模型，Efron 结处理）',
  hazardRatioValue: '{{hr}}（95% CI {{lower}}–{{upper}}）；p = {{p}}',
  noCox: 'Cox 模型',
  coxUnavailable: {
    'fewer-than-two-arms': '未拟合：纳入 TTCI 分析的受试者不足两组。',
    'reference-arm-empty': '未拟合：参照组没有纳入 TTCI 分析的受试者。',
    'no-events': '未拟合：尚无受试者改善。',
    'arm-without-events': '未拟合：有一组尚无受试者改善（其风险比将为无穷大）。',
    'not-converged': '未拟合：模型未收敛。',
  },
  adverseEvents: '发生不良事件的受试者（95% CI，Clopper–Pearson 法）',
  riskDifferences: '相对于 {{reference}} 的风险差（95% CI，Newcombe 混合得分法）',
  category: '类别',
  difference: '差值',
  interval: '95% CI',
  categories: {
    participantsWithAnyEvent: '任何不良事件',
    related: '不良反应（相关）',
    serious: '严重不良事件',
    seriousRelated: '严重不良反应',
  },
  plotInReport: '各组的 Kaplan–Meier 曲线见下方报告第 7 节。',
  dataCut: '数据截止 {{dataCut}}',
});
