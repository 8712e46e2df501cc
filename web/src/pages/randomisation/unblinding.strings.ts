import { registerAreaStrings } from '../../i18n/area-strings.ts';

// The emergency unblinding's strings (see registerAreaStrings): imported by the component that uses them.

const en = {
  button: 'Emergency unblinding',
  title: 'Emergency unblinding',
  meaning:
    "I break the blind of this participant because the treatment of an emergency depends on the product given. The participant's arm will be shown to me and the site's investigators; the sponsor is told at once.",
  reason: 'Reason',
  reasonHint: 'The emergency, and why the treatment depends on the arm.',
  code: 'Authenticator code (if you sign in with one)',
  armTitle: 'Arm (unblinded)',
  record: 'Unblinded by {{name}} at {{at}}: {{reason}}',
};

registerAreaStrings('unblinding', en, {
  button: '紧急揭盲',
  title: '紧急揭盲',
  meaning:
    '因紧急情况的治疗取决于所用药物，我将对该受试者揭盲。受试者的组别将向我及本中心研究者显示，并立即通知申办方。',
  reason: '原因',
  reasonHint: '紧急情况，以及治疗为何取决于组别。',
  code: '身份验证器代码（如您使用）',
  armTitle: '组别（已揭盲）',
  record: '{{name}} 于 {{at}} 揭盲：{{reason}}',
});
