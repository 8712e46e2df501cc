// The fixed words of the printed casebook and worksheets, in both languages of the study. Labels of
// forms, items and code lists come from the protocol; these are the words around them.

export type PaperLanguage = 'en' | 'zh';
export const paperLanguages = ['en', 'zh'] as const;

const words = {
  casebook: { en: 'Casebook', zh: '病例报告表' },
  participant: { en: 'Participant', zh: '受试者' },
  participantNumber: { en: 'Participant number', zh: '受试者编号' },
  study: { en: 'Study', zh: '研究' },
  studyNumber: { en: 'Study number', zh: '研究编号' },
  screeningNumber: { en: 'Screening number', zh: '筛选号' },
  site: { en: 'Site', zh: '研究中心' },
  status: { en: 'Status', zh: '状态' },
  day1: { en: 'Day 1', zh: '第1天' },
  protocolVersion: { en: 'Protocol version', zh: '方案版本' },
  printed: { en: 'Printed', zh: '打印时间' },
  printedBy: { en: 'by', zh: '打印人' },
  timesIn: { en: 'Times are in the site’s zone', zh: '时间均为研究中心所在时区' },
  contents: { en: 'Contents', zh: '目录' },
  consent: { en: 'Informed consent', zh: '知情同意' },
  formVersion: { en: 'Form version', zh: '知情同意书版本' },
  consentedAt: { en: 'Consented', zh: '签署时间' },
  obtainedBy: { en: 'Obtained by', zh: '获取人' },
  signer: { en: 'Signed by', zh: '签署人' },
  representative: { en: 'Legal representative', zh: '法定代理人' },
  self: { en: 'The participant', zh: '受试者本人' },
  visits: { en: 'Visits and forms', zh: '访视与表单' },
  notEntered: { en: 'not entered', zh: '未录入' },
  item: { en: 'Item', zh: '项目' },
  value: { en: 'Value', zh: '数值' },
  state: { en: 'Status', zh: '状态' },
  sdv: { en: 'SDV', zh: '源数据核查' },
  sdvOld: { en: 'SDV on an earlier revision', zh: '核查针对旧版本' },
  revision: { en: 'rev.', zh: '版本' },
  missing: { en: 'missing', zh: '缺失' },
  computed: { en: 'computed', zh: '自动计算' },
  skipped: { en: 'skipped (not asked)', zh: '跳过（无需填写）' },
  queryOpen: { en: 'query open', zh: '质疑未回复' },
  queryAnswered: { en: 'query answered', zh: '质疑已回复' },
  queryClosed: { en: 'query closed', zh: '质疑已关闭' },
  signatures: { en: 'Signatures', zh: '签名' },
  signatureBroken: { en: 'no longer valid since', zh: '已失效于' },
  meaning: { en: 'Meaning', zh: '签名含义' },
  locked: { en: 'Locked', zh: '已锁定' },
  instance: { en: 'Entry', zh: '记录' },
  studyDay: { en: 'study day', zh: '研究日' },
  dosing: { en: 'Dosing records', zh: '给药记录' },
  dose: { en: 'Dose', zh: '剂次' },
  visit: { en: 'Visit', zh: '访视' },
  vial: { en: 'Vial', zh: '药瓶' },
  started: { en: 'Started', zh: '开始' },
  ended: { en: 'Ended', zh: '结束' },
  volume: { en: 'Volume', zh: '体积' },
  device: { en: 'Device', zh: '雾化器' },
  reason: { en: 'Reason', zh: '原因' },
  adverseEvents: { en: 'Adverse events', zh: '不良事件' },
  event: { en: 'Event', zh: '事件' },
  none: { en: 'None recorded.', zh: '无记录。' },
  auditTrail: { en: 'Appendix: audit trail', zh: '附录：稽查轨迹' },
  time: { en: 'Time', zh: '时间' },
  person: { en: 'Person', zh: '人员' },
  action: { en: 'Action', zh: '操作' },
  field: { en: 'Field', zh: '字段' },
  change: { en: 'Old → new', zh: '原值 → 新值' },
  yes: { en: 'Yes', zh: '是' },
  no: { en: 'No', zh: '否' },
  page: { en: 'page', zh: '页' },
  worksheet: { en: 'Worksheet', zh: '工作表' },
  blankTitle: { en: 'Blank case report forms', zh: '空白病例报告表' },
  date: { en: 'Date', zh: '日期' },
  initials: { en: 'Initials', zh: '签名缩写' },
  calculated: { en: 'calculated, not written', zh: '自动计算，无需填写' },
  shownIf: { en: 'only when', zh: '仅当' },
  required: { en: 'required', zh: '必填' },
  notDoneBoxes: { en: 'not done / unknown / not applicable', zh: '未做 / 不详 / 不适用' },
  tickAll: { en: 'tick all that apply', zh: '可多选' },
  tickOne: { en: 'tick one', zh: '单选' },
  anyVisit: { en: 'any visit', zh: '任一访视' },
} as const;

export type Word = keyof typeof words;

export const word = (language: PaperLanguage, key: Word): string => words[key][language];

/** Why a value is absent, as the form's missing-data codes say it. */
export const missingWords = {
  not_done: { en: 'not done', zh: '未做' },
  unknown: { en: 'unknown', zh: '不详' },
  not_applicable: { en: 'not applicable', zh: '不适用' },
} as const;

/** Participant and dose states as the casebook prints them; a state not listed prints its code. */
const stateWords: Record<string, { en: string; zh: string }> = {
  screening: { en: 'in screening', zh: '筛选中' },
  screen_failed: { en: 'screen failure', zh: '筛选失败' },
  declined: { en: 'declined', zh: '拒绝参加' },
  enrolled: { en: 'enrolled', zh: '已入组' },
  withdrawn: { en: 'withdrawn', zh: '退出研究' },
  lost_to_follow_up: { en: 'lost to follow-up', zh: '失访' },
  died: { en: 'died', zh: '死亡' },
  completed: { en: 'completed', zh: '完成' },
  interrupted: { en: 'interrupted', zh: '中断' },
  'not-given': { en: 'not given', zh: '未给药' },
};

export const stateWord = (language: PaperLanguage, state: string): string =>
  stateWords[state]?.[language] ?? state;

/** The audit actions a participant's trail holds, as people read them (the web app's labels). */
const actionWords: Record<string, { en: string; zh: string }> = {
  'crf.sdv': { en: 'Source data verified', zh: '源数据核查' },
  'crf.value.change': { en: 'Value changed', zh: '修改数值' },
  'crf.value.enter': { en: 'Value entered', zh: '录入数值' },
  'deviation.confirm': { en: 'Deviation confirmed', zh: '确认方案偏离' },
  'deviation.propose': { en: 'Deviation proposed', zh: '提出方案偏离' },
  'deviation.record': { en: 'Deviation recorded', zh: '记录方案偏离' },
  'deviation.reject': { en: 'Deviation rejected', zh: '驳回方案偏离' },
  'dosing.administration.change': { en: 'Dose record changed', zh: '修改给药记录' },
  'dosing.administration.record': { en: 'Dose recorded', zh: '记录给药' },
  'export.run': { en: 'Data exported', zh: '导出数据' },
  'lock.apply': { en: 'Record locked', zh: '锁定记录' },
  'lock.release': { en: 'Record unlocked', zh: '解锁记录' },
  'participant.completed': { en: 'Completed the study', zh: '完成研究' },
  'participant.consent': { en: 'Consent recorded', zh: '记录知情同意' },
  'participant.declined': { en: 'Declined to take part', zh: '拒绝参加' },
  'participant.died': { en: 'Death recorded', zh: '记录死亡' },
  'participant.enrol': { en: 'Enrolled', zh: '入组' },
  'participant.lost_to_follow_up': { en: 'Lost to follow-up', zh: '失访' },
  'participant.screen': { en: 'Screened', zh: '筛选' },
  'participant.screen_failed': { en: 'Screen failure', zh: '筛选失败' },
  'participant.withdrawn': { en: 'Withdrawn', zh: '退出研究' },
  'query.answer': { en: 'Query answered', zh: '回复质疑' },
  'query.close': { en: 'Query closed', zh: '关闭质疑' },
  'query.raise': { en: 'Query raised', zh: '发起质疑' },
  'query.reopen': { en: 'Query re-opened', zh: '重新开启质疑' },
  'safety.ae.create': { en: 'Adverse event recorded', zh: '记录不良事件' },
  'safety.ae.value.change': { en: 'Adverse event changed', zh: '修改不良事件' },
  'safety.ae.value.enter': { en: 'Adverse event value entered', zh: '录入不良事件数值' },
  'signature.apply': { en: 'Signed', zh: '电子签名' },
  'signature.broken': { en: 'Signature broken by a change', zh: '更改导致签名失效' },
  'signature.failed': { en: 'Signature refused', zh: '签名失败' },
  'vial.dispense': { en: 'Vial dispensed', zh: '发放药瓶' },
};

export const actionWord = (language: PaperLanguage, action: string): string =>
  actionWords[action]?.[language] ?? action;
