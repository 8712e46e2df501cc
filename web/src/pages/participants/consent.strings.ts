import { registerAreaStrings } from '../../i18n/area-strings.ts';

// The strings of consent (witness, re-consent) and of protocol approvals per site: imported for its
// effect by every module that uses them (see registerAreaStrings).

const en = {
  unableToRead: 'The participant (or representative) cannot read or sign',
  witnessName: "Impartial witness's name",
  witnessSignedAt: 'Witness signed on (date and time)',
  witnessRequired: 'The protocol requires an impartial witness, who attends the whole discussion and signs.',
  witness: 'Witness',
  noWitness: '—',
  reconsentTitle: 'Re-consent needed',
  reconsentDue:
    'This participant signed consent form version {{signed}}; version {{inForce}} is now in force. Record the re-consent before entering more data.',
  reconsentBadge: 'Re-consent {{version}}',
  recordReconsent: 'Record re-consent',
  protocolVersion: 'Entered under protocol version {{number}}',
  approvals: {
    tab: 'Sites',
    intro:
      'A site works under the latest protocol version its ethics committee approved; new data there are entered under that version.',
    site: 'Site',
    working: 'Works under',
    approvedOn: 'Ethics approval',
    none: 'No approval recorded (joined under this version)',
    record: 'Record an approval',
    version: 'Protocol version',
    date: 'Date of the ethics approval',
    submit: 'Record approval',
    recorded: 'Approval recorded: site {{site}} works under version {{label}}.',
  },
};

registerAreaStrings('consentArea', en, {
  unableToRead: '受试者（或其代理人）不能阅读或签字',
  witnessName: '公正见证人姓名',
  witnessSignedAt: '见证人签字日期和时间',
  witnessRequired: '本方案要求公正见证人在场见证整个知情同意过程并签字。',
  witness: '见证人',
  noWitness: '—',
  reconsentTitle: '需要再次知情同意',
  reconsentDue:
    '该受试者签署的是知情同意书 {{signed}} 版；现行版本为 {{inForce}} 版。请先记录再次知情同意，再录入数据。',
  reconsentBadge: '需再次知情同意 {{version}}',
  recordReconsent: '记录再次知情同意',
  protocolVersion: '录入时的方案版本：第 {{number}} 版',
  approvals: {
    tab: '中心',
    intro: '各中心按其伦理委员会批准的最新方案版本开展研究；该中心的新数据按此版本录入。',
    site: '中心',
    working: '执行版本',
    approvedOn: '伦理批准',
    none: '无批准记录（加入时即为此版本）',
    record: '记录伦理批准',
    version: '方案版本',
    date: '伦理批准日期',
    submit: '记录批准',
    recorded: '已记录批准：中心 {{site}} 按 {{label}} 版开展研究。',
  },
});
