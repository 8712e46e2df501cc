import { registerAreaStrings } from '../../i18n/area-strings.ts';

// This area's strings (see registerAreaStrings): imported for its effect by every module that uses them.

const en = {
  tab: 'Stopping rules',
  intro:
    'Try the stopping rules on simulated trials before the first patient: each rule on its own, participants enrolled one after the other, each with the rule’s event at the true rate. The figures are Monte Carlo estimates; the same seed gives the same figures.',
  rates: 'True event rates',
  ratesHint: 'Comma-separated, as 5% or 0.05',
  ratesError: 'Give rates from 0 to 100 %, comma-separated.',
  participants: 'Participants',
  runs: 'Simulated trials',
  seed: 'Seed',
  simulate: 'Simulate',
  summary: '{{participants}} participants, {{runs}} simulated trials per rate, seed {{seed}}.',
  trueRate: 'True rate',
  probability: 'Trips in (± s.e.)',
  meanAtTrip: 'Enrolled at the trip (mean)',
  quartiles: 'Enrolled at the trip (quartiles)',
  meanEnrolled: 'Enrolled per trial (mean)',
  noRules: 'This protocol declares no stopping rules.',
};

registerAreaStrings('ruleSimulation', en, {
  tab: '停止规则',
  intro:
    '在首例受试者入组前，用模拟试验检验停止规则：每条规则单独模拟，受试者依次入组，每人以真实发生率发生该规则所计的事件。结果为蒙特卡罗估计；相同的随机种子得到相同的结果。',
  rates: '真实事件发生率',
  ratesHint: '以逗号分隔，如 5% 或 0.05',
  ratesError: '请填写 0 至 100% 之间的发生率，以逗号分隔。',
  participants: '受试者数',
  runs: '模拟试验次数',
  seed: '随机种子',
  simulate: '开始模拟',
  summary: '{{participants}} 名受试者，每个发生率模拟 {{runs}} 次试验，随机种子 {{seed}}。',
  trueRate: '真实发生率',
  probability: '触发比例（± 标准误）',
  meanAtTrip: '触发时已入组人数（均值）',
  quartiles: '触发时已入组人数（四分位数）',
  meanEnrolled: '每次试验入组人数（均值）',
  noRules: '本方案未规定停止规则。',
});
