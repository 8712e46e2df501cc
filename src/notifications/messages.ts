import type { NotificationKind } from './notification-kinds.ts';

// Pure (loaded by the web app too): each kind's title and text in English and Chinese. A notification
// stores its kind and parameters only, so every reader (and every e-mail) gets it in their language.

export type Language = 'en' | 'zh';
export type Localized = { en: string; zh: string };
export type NotificationParams = Record<string, string | number | Localized>;

interface Message {
  title: Localized;
  body: Localized;
}

const messages: Record<NotificationKind, Message> = {
  'sae.reported': {
    title: { en: 'Serious adverse event: {participant}', zh: '严重不良事件：{participant}' },
    body: {
      en: 'AE {aeNumber} of {participant} ({term}) is serious. The report to the sponsor is due by {deadline}.',
      zh: '{participant} 的第 {aeNumber} 个不良事件（{term}）为严重不良事件，须在 {deadline} 前报告申办者。',
    },
  },
  'susar.clock': {
    title: { en: 'SUSAR clock started: {participant}', zh: 'SUSAR 报告时限开始：{participant}' },
    body: {
      en: 'AE {aeNumber} of {participant} ({term}) is a suspected unexpected serious adverse reaction. {clock}: due by {deadline}.',
      zh: '{participant} 的第 {aeNumber} 个不良事件（{term}）为可疑且非预期严重不良反应。{clock}：须在 {deadline} 前完成。',
    },
  },
  'clock.due-soon': {
    title: { en: 'Report due within 4 hours: {participant}', zh: '报告将在 4 小时内到期：{participant}' },
    body: {
      en: '{clock} for AE {aeNumber} of {participant} is due by {deadline}.',
      zh: '{participant} 第 {aeNumber} 个不良事件的{clock}须在 {deadline} 前完成。',
    },
  },
  'clock.overdue': {
    title: { en: 'Report overdue: {participant}', zh: '报告已逾期：{participant}' },
    body: {
      en: '{clock} for AE {aeNumber} of {participant} was due by {deadline} and is not recorded as sent.',
      zh: '{participant} 第 {aeNumber} 个不良事件的{clock}应于 {deadline} 前完成，尚未记录发送。',
    },
  },
  'dosing.paused': {
    title: { en: 'Dosing paused study-wide', zh: '全研究暂停给药' },
    body: {
      en: 'No dose may be dispensed or given until the safety officer resumes dosing. Reason: {reason}',
      zh: '在安全官恢复给药之前不得发放或给予任何剂量。原因：{reason}',
    },
  },
  'dosing.resumed': {
    title: { en: 'Dosing resumed', zh: '已恢复给药' },
    body: {
      en: 'The safety officer resumed dosing. Grounds: {reason}',
      zh: '安全官已恢复给药。依据：{reason}',
    },
  },
  'stopping-rule.tripped': {
    title: { en: 'Stopping rule {rule} tripped', zh: '停止规则 {rule} 已触发' },
    body: { en: '{description}', zh: '{description}' },
  },
  'excursion.quarantined': {
    title: { en: 'Temperature excursion in {unit}', zh: '{unit} 温度偏离' },
    body: {
      en: 'A temperature excursion in {unit} quarantined {count} vial(s): {vials}. They may not be dispensed until a pharmacist decides.',
      zh: '{unit} 的温度偏离使 {count} 支药瓶被隔离：{vials}。在药师作出处置决定前不得发放。',
    },
  },
  'query.opened': {
    title: { en: 'Query on {participant}', zh: '{participant} 的数据质疑' },
    body: {
      en: 'A query was opened on {participant}, {form} {item}: {text}',
      zh: '{participant} 的 {form} {item} 有新的数据质疑：{text}',
    },
  },
  'query.answered': {
    title: { en: 'Query answered: {participant}', zh: '数据质疑已回复：{participant}' },
    body: {
      en: 'The site answered the query on {participant}, {form} {item}: {text}',
      zh: '研究中心已回复 {participant} 的 {form} {item} 的质疑：{text}',
    },
  },
  'shipment.sent': {
    title: { en: 'Shipment on its way to {to}', zh: '发往 {to} 的运输已发出' },
    body: {
      en: '{count} vial(s) left {from} with {courier} for {to}. Receive them and record their condition on arrival.',
      zh: '{count} 支药瓶已由 {courier} 从 {from} 运往 {to}。到达时请接收并记录其状况。',
    },
  },
  'eligibility.awaiting-signature': {
    title: { en: 'Eligibility to confirm: {participant}', zh: '待确认入选资格：{participant}' },
    body: {
      en: '{participant} meets every eligibility criterion on the screening data.{again} An investigator must confirm eligibility with an e-signature before enrolment.',
      zh: '根据筛选数据，{participant} 符合全部入选/排除标准。{again}入组前须由研究者以电子签名确认入选资格。',
    },
  },
  // Never the arm: the people told are blinded; they learn that the arm is known, by whom and why.
  'participant.unblinded': {
    title: { en: 'Emergency unblinding: {participant}', zh: '紧急揭盲：{participant}' },
    body: {
      en: '{investigator} unblinded {participant} at {site}. Reason: {reason}',
      zh: '{investigator} 在 {site} 对 {participant} 进行了紧急揭盲。原因：{reason}',
    },
  },
  'form.awaiting-signature': {
    title: { en: 'Form to sign: {participant}, {form}', zh: '待签名表单：{participant}，{form}' },
    body: {
      en: 'Every field of {form} ({visit}) of {participant} is verified against source. It waits for an investigator’s e-signature.',
      zh: '{participant} 的{form}（{visit}）的全部字段已完成源数据核查，待研究者电子签名。',
    },
  },
  'query.waiting': {
    title: { en: 'Query waiting {days} days: {participant}', zh: '数据质疑已等待 {days} 天：{participant}' },
    body: {
      en: 'The query on {participant}, {form} {item} has waited {days} days for {waitingFor}.',
      zh: '{participant} 的 {form} {item} 的数据质疑已等待{waitingFor} {days} 天。',
    },
  },
  // Never a kit type or an arm: which type ran low would hint at the arms of the site's participants.
  'product.resupply-due': {
    title: { en: 'Site {site} is due for resupply', zh: '研究中心 {site} 需要补充药品' },
    body: {
      en: 'Site {site} is due for resupply: its usable kits, counting those on their way, fell below the protocol’s threshold. Pack the proposed shipment on the kits page.',
      zh: '研究中心 {site} 需要补充药品：其可用药盒（含在途药盒）已低于方案规定的阈值。请在药盒页面打包建议的运输。',
    },
  },
  'vial.thaw-window-ending': {
    title: { en: 'Thawed vial {vial}: {minutes} min left', zh: '已解冻药瓶 {vial}：剩余 {minutes} 分钟' },
    body: {
      en: 'Thawed vial {vial} must be used within {minutes} minutes (by {end}); after that it may not be given.',
      zh: '已解冻药瓶 {vial} 须在 {minutes} 分钟内（{end} 前）使用，逾期不得给药。',
    },
  },
};

function fill(template: string, params: NotificationParams, language: Language): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'object' ? value[language] : String(value);
  });
}

/** A notification's title and text in one language. */
export function renderNotification(
  kind: NotificationKind,
  params: NotificationParams,
  language: Language,
): { title: string; body: string } {
  const message = messages[kind];
  return {
    title: fill(message.title[language], params, language),
    body: fill(message.body[language], params, language),
  };
}

/** Both languages at once, for the API (the web shows the reader's current language). */
export function renderBoth(kind: NotificationKind, params: NotificationParams) {
  const en = renderNotification(kind, params, 'en');
  const zh = renderNotification(kind, params, 'zh');
  return { title: { en: en.title, zh: zh.title }, body: { en: en.body, zh: zh.body } };
}
