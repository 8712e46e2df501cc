import type { SdtmContext, SubjectContext } from './context.ts';
import type { SdtmRow } from './variables.ts';

// DV from the deviation log (src/deviations): the deviations an investigator or monitor confirmed.
// DVCAT carries the log's category, DVSCAT its classification (MAJOR or MINOR).

export function buildDv(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  return subject.subject.deviations.map((deviation, index) => {
    // The visit as planned (a daily visit without its day: the deviation's date says which day).
    const visit = deviation.visitId ? context.visits.get(deviation.visitId) : undefined;
    return {
      STUDYID: context.studyId,
      DOMAIN: 'DV',
      USUBJID: subject.usubjid,
      DVSEQ: index + 1,
      DVSPID: deviation.id,
      DVTERM: deviation.description,
      DVCAT: deviation.category.replaceAll('-', ' ').toUpperCase(),
      DVSCAT: deviation.severity.toUpperCase(),
      VISITNUM: visit?.visitNum ?? null,
      VISIT: visit?.visit ?? null,
      DVSTDTC: subject.dates.date(deviation.occurredOn),
      DVSTDY: subject.studyDay(deviation.occurredOn),
    };
  });
}
