import { element, text } from '../xml.ts';
import type { LengthTable, SdtmStudy } from './sdtm-export.ts';
import { type SdtmDomainCode, sdtmDomains } from './variables.ts';

/**
 * Define-XML 2.0 describing the data sets written: one ItemGroupDef per domain (class, structure,
 * keys, the file it lives in) and one ItemDef per variable with its type, length, label and origin.
 */
export function defineXml(
  study: SdtmStudy,
  domains: readonly SdtmDomainCode[],
  lengths: LengthTable,
  options: { created: Date; fileExtension: 'xpt' | 'csv' },
): string {
  const { context } = study;
  const oidOf = (code: string, name: string) => `IT.${code}.${name}`;
  const groups = domains.map((code) => {
    const domain = sdtmDomains[code];
    return element(
      'ItemGroupDef',
      {
        OID: `IG.${code}`,
        Domain: code,
        Name: code,
        Repeating: code === 'DM' ? 'No' : 'Yes',
        IsReferenceData: code === 'TS' || code === 'TA' || code === 'TV' ? 'Yes' : 'No',
        SASDatasetName: code,
        Purpose: 'Tabulation',
        'def:Structure': domain.structure,
        'def:Class': domain.sdtmClass,
        'def:ArchiveLocationID': `LF.${code}`,
      },
      element('Description', {}, text('TranslatedText', { 'xml:lang': 'en' }, domain.label)),
      ...domain.variables.map((variable, index) =>
        element('ItemRef', {
          ItemOID: oidOf(code, variable.name),
          OrderNumber: index + 1,
          Mandatory:
            ['STUDYID', 'DOMAIN', 'USUBJID'].includes(variable.name) || variable.name.endsWith('SEQ')
              ? 'Yes'
              : 'No',
          KeySequence: domain.keys.includes(variable.name)
            ? domain.keys.indexOf(variable.name) + 1
            : undefined,
        }),
      ),
      element(
        'def:leaf',
        { ID: `LF.${code}`, 'xlink:href': `${code.toLowerCase()}.${options.fileExtension}` },
        text('def:title', {}, `${code.toLowerCase()}.${options.fileExtension}`),
      ),
    );
  });
  const items = domains.flatMap((code) =>
    sdtmDomains[code].variables.map((variable) =>
      element(
        'ItemDef',
        {
          OID: oidOf(code, variable.name),
          Name: variable.name,
          DataType:
            variable.type === 'num'
              ? variable.name.endsWith('SEQ') || variable.name.endsWith('DY') || variable.name === 'AGE'
                ? 'integer'
                : 'float'
              : variable.name.endsWith('DTC')
                ? 'datetime'
                : 'text',
          Length: variable.type === 'char' ? (lengths.get(code)?.get(variable.name) ?? 1) : 8,
          SASFieldName: variable.name,
        },
        element('Description', {}, text('TranslatedText', { 'xml:lang': 'en' }, variable.label)),
        element('def:Origin', { Type: variable.origin }),
      ),
    ),
  );
  const stamp = options.created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    element(
      'ODM',
      {
        xmlns: 'http://www.cdisc.org/ns/odm/v1.3',
        'xmlns:def': 'http://www.cdisc.org/ns/def/v2.0',
        'xmlns:xlink': 'http://www.w3.org/1999/xlink',
        ODMVersion: '1.3.2',
        FileOID: `DEFINE.${context.studyId}`,
        FileType: 'Snapshot',
        CreationDateTime: stamp,
        Originator: 'exotrial',
      },
      element(
        'Study',
        { OID: `ST.${context.studyId}` },
        element(
          'GlobalVariables',
          {},
          text('StudyName', {}, context.studyId),
          text('StudyDescription', {}, context.protocol.study.title.en),
          text('ProtocolName', {}, context.protocol.study.registryId),
        ),
        element(
          'MetaDataVersion',
          {
            OID: `MDV.${context.studyId}.SDTM`,
            Name: `${context.studyId} SDTM`,
            'def:DefineVersion': '2.0.0',
            'def:StandardName': 'SDTM-IG',
            'def:StandardVersion': '3.3',
          },
          ...groups,
          ...items,
        ),
      ),
    ) +
    '\n'
  );
}
