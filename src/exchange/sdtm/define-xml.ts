import { element, text } from '../xml.ts';
import type { SdtmStudy } from './sdtm-export.ts';
import type { SdtmPlan } from './sdtm-plan.ts';
import { datasetDefinition, qualifierName, suppCodeOf } from './supplemental.ts';
import { isSuppCode, isTrialDesignCode, parentOf, type SubjectDomainCode } from './variables.ts';

/** The comment of a variable whose long values continue in SUPP--, or undefined. */
function continuation(plan: SdtmPlan, code: string, variable: string): string | undefined {
  const pieces = plan.continued.get(code as SubjectDomainCode)?.get(variable);
  if (!pieces) return undefined;
  const parent = code as SubjectDomainCode;
  const first = qualifierName(parent, variable, 1);
  const names = pieces === 1 ? first : `${first} to ${qualifierName(parent, variable, pieces)}`;
  return (
    `Text over 200 bytes continues in ${suppCodeOf(parent)}.QVAL (QNAM ${names}), cut between words ` +
    `where possible; ${variable} followed by the QVALs in QNAM order is the whole text.`
  );
}

/** The variables coded with a dictionary, and the dictionary's code list (an ExternalCodeList). */
const dictionaryVariables: Record<string, 'MEDDRA' | 'WHODRUG' | 'ATC'> = {
  'AE.AELLT': 'MEDDRA',
  'AE.AELLTCD': 'MEDDRA',
  'AE.AEDECOD': 'MEDDRA',
  'AE.AEPTCD': 'MEDDRA',
  'AE.AEHLT': 'MEDDRA',
  'AE.AEHLTCD': 'MEDDRA',
  'AE.AEHLGT': 'MEDDRA',
  'AE.AEHLGTCD': 'MEDDRA',
  'AE.AEBODSYS': 'MEDDRA',
  'AE.AEBDSYCD': 'MEDDRA',
  'AE.AESOC': 'MEDDRA',
  'AE.AESOCCD': 'MEDDRA',
  'CM.CMDECOD': 'WHODRUG',
  'CM.CMCLAS': 'ATC',
  'CM.CMCLASCD': 'ATC',
};

/** The code lists of the dictionaries the study codes with, each naming its version. */
function externalCodeLists(versions: { meddra: string | null; whodrug: string | null } | undefined) {
  const lists: Array<{ oid: string; name: string; dictionary: string; version: string }> = [];
  if (versions?.meddra)
    lists.push({ oid: 'CL.MEDDRA', name: 'MedDRA', dictionary: 'MEDDRA', version: versions.meddra });
  if (versions?.whodrug) {
    lists.push({
      oid: 'CL.WHODRUG',
      name: 'WHODrug Global',
      dictionary: 'WHODRUG',
      version: versions.whodrug,
    });
    // The ATC classes come from the same WHODrug release (its INA file).
    lists.push({
      oid: 'CL.ATC',
      name: 'ATC classification (WHODrug)',
      dictionary: 'WHODRUG',
      version: versions.whodrug,
    });
  }
  return lists;
}

/**
 * Define-XML 2.0 describing the data sets written: one ItemGroupDef per data set (class, structure,
 * keys, the file it lives in) and one ItemDef per variable with its type, length, label and origin; a
 * variable whose long text continues in SUPP-- says so in its comment.
 */
export function defineXml(
  study: SdtmStudy,
  plan: SdtmPlan,
  options: { created: Date; fileExtension: 'xpt' | 'csv' },
): string {
  const { context } = study;
  const { lengths } = plan;
  const domains = plan.datasets;
  const oidOf = (code: string, name: string) => `IT.${code}.${name}`;
  const groups = domains.map((code) => {
    const domain = datasetDefinition(code);
    return element(
      'ItemGroupDef',
      {
        OID: `IG.${code}`,
        Domain: parentOf(code),
        Name: code,
        Repeating: code === 'DM' ? 'No' : 'Yes',
        IsReferenceData: isTrialDesignCode(code) ? 'Yes' : 'No',
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
            ['STUDYID', 'DOMAIN', 'USUBJID'].includes(variable.name) ||
            variable.name.endsWith('SEQ') ||
            (isSuppCode(code) && ['RDOMAIN', 'QNAM', 'QLABEL', 'QVAL', 'QORIG'].includes(variable.name))
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
  const codeLists = externalCodeLists(context.dictionaries);
  const codeListOf = (code: string, name: string) => {
    const list = dictionaryVariables[`${code}.${name}`];
    return codeLists.find((entry) => entry.oid === `CL.${list}`)?.oid;
  };
  const comments: string[] = [];
  const items = domains.flatMap((code) =>
    datasetDefinition(code).variables.map((variable) => {
      const comment = continuation(plan, code, variable.name);
      const commentOid = comment ? `COM.${code}.${variable.name}` : undefined;
      if (comment && commentOid)
        comments.push(
          element(
            'def:CommentDef',
            { OID: commentOid },
            element('Description', {}, text('TranslatedText', { 'xml:lang': 'en' }, comment)),
          ),
        );
      return element(
        'ItemDef',
        {
          OID: oidOf(code, variable.name),
          Name: variable.name,
          DataType:
            variable.type === 'num'
              ? variable.name.endsWith('SEQ') ||
                variable.name.endsWith('DY') ||
                variable.name.endsWith('CD') ||
                variable.name === 'AGE'
                ? 'integer'
                : 'float'
              : variable.name.endsWith('DTC')
                ? 'datetime'
                : 'text',
          Length: variable.type === 'char' ? (lengths.get(code)?.get(variable.name) ?? 1) : 8,
          SASFieldName: variable.name,
          'def:CommentOID': commentOid,
        },
        element('Description', {}, text('TranslatedText', { 'xml:lang': 'en' }, variable.label)),
        ...(codeListOf(code, variable.name)
          ? [element('CodeListRef', { CodeListOID: codeListOf(code, variable.name) })]
          : []),
        element('def:Origin', { Type: variable.origin }),
      );
    }),
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
          ...codeLists.map((list) =>
            element(
              'CodeList',
              { OID: list.oid, Name: list.name, DataType: 'text' },
              element('ExternalCodeList', { Dictionary: list.dictionary, Version: list.version }),
            ),
          ),
          ...comments,
        ),
      ),
    ) +
    '\n'
  );
}
