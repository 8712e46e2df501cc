import { expect, it } from 'vitest';
import { bySocAndTerm } from './soc-pt.ts';

const cough = { pt: 'Cough', soc: 'Respiratory' };

it('counts participants once per SOC and per PT, with the verbatims under each PT and the uncoded last', () => {
  const groups = bySocAndTerm(
    [
      { participantId: 'a', verbatim: 'Coughing fits', coded: cough },
      { participantId: 'a', verbatim: '咳嗽', coded: cough },
      { participantId: 'b', verbatim: 'cough', coded: cough },
      { participantId: 'b', verbatim: 'Bronchospasm', coded: { pt: 'Bronchospasm', soc: 'Respiratory' } },
      { participantId: 'c', verbatim: 'Headache', coded: { pt: 'Headache', soc: 'Nervous' } },
      { participantId: 'c', verbatim: 'Feeling funny', coded: null },
      { participantId: 'b', verbatim: 'feeling FUNNY', coded: null },
    ],
    4,
  );
  expect(groups.map((group) => [group.soc, group.row.participants])).toEqual([
    ['Respiratory', 2],
    ['Nervous', 1],
    [null, 2],
  ]);
  expect(groups[0]?.terms.map((term) => [term.term, term.row.participants, term.verbatims])).toEqual([
    ['Cough', 2, ['Coughing fits', 'cough', '咳嗽']],
    ['Bronchospasm', 1, ['Bronchospasm']],
  ]);
  expect(groups[2]?.terms.map((term) => [term.term, term.row.participants])).toEqual([['feeling funny', 2]]);
  expect(groups[0]?.row.proportion).toBe(0.5);
});
