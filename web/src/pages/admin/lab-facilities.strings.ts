import { registerAreaStrings } from '../../i18n/area-strings.ts';

// The strings of a site's laboratory sending facilities on the Sites page: imported for its effect.

const en = {
  column: 'Laboratory facilities',
  title: 'Laboratories of {{site}}',
  help: 'The sending-facility identifiers of the laboratories that send this site’s results (HL7 MSH-4, or the identifier of a FHIR performer), one per line. A message naming one belongs to this site: its patients are matched among this site’s participants, and its unmatched results wait in this site’s review queue. A message naming none waits for the data manager.',
  label: 'Sending-facility identifiers',
  none: 'None',
  saved: 'Saved.',
};

registerAreaStrings('labFacilities', en, {
  column: '检验科发送机构',
  title: '{{site}} 的检验科',
  help: '向本中心发送检验结果的实验室的发送机构标识（HL7 MSH-4，或 FHIR 执行者的标识），每行一个。注明其中之一的消息属于本中心：其患者在本中心受试者中匹配，未匹配的结果在本中心的审核队列中等待。未注明任何已登记机构的消息由数据管理员处理。',
  label: '发送机构标识',
  none: '无',
  saved: '已保存。',
});
