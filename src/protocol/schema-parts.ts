import { z } from 'zod';
import { RESERVED_WORDS } from './rules/ast.ts';

// Building blocks shared by the protocol schema. Messages say how to fix, since protocol authors read them.

/** Lower-case slug for study, site and visit ids: `mexcovid`, `day-1`. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*$/,
    'use lower-case letters, digits and hyphens, starting with a letter (e.g. "day-1")',
  );

/**
 * Identifier for forms, items and code lists. Rules reference items as `form.item`, so ids must be valid rule
 * names and not keywords of the rule language.
 */
export const identifierSchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]*$/,
    'use letters, digits and underscores, starting with a letter (e.g. "spo2")',
  )
  .refine((id) => !RESERVED_WORDS.has(id) && id !== 'date', {
    message: 'this word is a keyword of the rule language; choose another id',
  });

function requiredText(language: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `the ${language} text is missing`
          : `the ${language} text must be a string`,
    })
    .trim()
    .min(1, `the ${language} text is empty`);
}

/** Every user-facing text comes in English and Simplified Chinese; a missing language is an error. */
export const textSchema = z.strictObject({
  en: requiredText('English (en)'),
  zh: requiredText('Chinese (zh)'),
});
export type LocalizedText = z.infer<typeof textSchema>;

/** An IANA time zone name the runtime knows (checked with Intl, which works in Node and browsers alike). */
export const timeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone.includes('/') || zone === 'UTC';
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. "Asia/Shanghai")' },
);

/** UCUM unit code (https://ucum.org), e.g. `mm[Hg]`, `10*9/L`, `/min`, `Cel`; spaces are never part of UCUM. */
export const ucumSchema = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9[\]{}()/.*^%'_+-]+$/, 'not a UCUM unit code (e.g. "mm[Hg]", "10*9/L", "/min")');

export const ruleTextSchema = z.string().trim().min(1, 'the rule is empty');

export const rangeSchema = z.strictObject({ low: z.number().optional(), high: z.number().optional() });

export const durationSchema = z.strictObject({
  value: z.number().positive(),
  unit: z.enum(['minutes', 'hours', 'days', 'months']),
});

export const codedValueSchema = z.strictObject({ code: z.string().min(1), label: textSchema });

export const codeListSchema = z.strictObject({
  id: identifierSchema,
  name: textSchema.optional(),
  items: z.array(codedValueSchema).min(1, 'a code list needs at least one code'),
});

export const sdtmMappingSchema = z.strictObject({
  domain: z.string().regex(/^[A-Z]{2}$|^SUPP[A-Z]{2}$/, 'an SDTM domain code such as "VS" or "SUPPDM"'),
  variable: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{0,7}$/, 'an SDTM variable name: upper case, at most 8 characters'),
  /** Test code for findings domains (VSTESTCD, LBTESTCD, ...). */
  testCode: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{0,7}$/)
    .optional(),
});

export const itemTypeSchema = z.enum([
  'text',
  'integer',
  'decimal',
  'date',
  'datetime',
  'choice',
  'multichoice',
  'boolean',
  'file',
]);

export const editCheckSchema = z.strictObject({
  /** What must hold; the check fires when the rule is false (an unknown result does not fire). */
  rule: ruleTextSchema,
  /** hard: the value cannot be saved; soft: saved with a query the site must answer. */
  severity: z.enum(['hard', 'soft']),
  message: textSchema,
});

/**
 * A LOINC code: digits, a hyphen and the check digit, which is the Luhn (mod 10) digit of the digits
 * before it, as LOINC's users' guide defines it.
 */
export function loincCheckDigit(digits: string): number {
  let sum = 0;
  [...digits].reverse().forEach((digit, index) => {
    const value = Number(digit) * (index % 2 === 0 ? 2 : 1);
    sum += value > 9 ? value - 9 : value;
  });
  return (10 - (sum % 10)) % 10;
}

export const loincSchema = z
  .string()
  .regex(/^\d{1,7}-\d$/, { message: 'a LOINC code is digits, a hyphen and a check digit, e.g. 718-7' })
  .refine(
    (code) => {
      const [digits, check] = code.split('-');
      return loincCheckDigit(digits ?? '') === Number(check);
    },
    { message: 'the check digit of this LOINC code is wrong' },
  );

export const itemSchema = z
  .strictObject({
    id: identifierSchema,
    type: itemTypeSchema,
    label: textSchema,
    hint: textSchema.optional(),
    unit: ucumSchema.optional(),
    /**
     * Other units a value may be entered in (a laboratory's report in mg/dL for an item kept in µmol/L):
     * converted to `unit` on save by UCUM, the value as entered kept beside the converted one.
     */
    units: z.array(ucumSchema).min(1).optional(),
    /** The analyte's molar mass in g/mol, which converts a mass concentration to a substance one (mg/dL ↔ µmol/L). */
    molarMass: z.number().positive().optional(),
    /**
     * LOINC codes of the test, by which results from a hospital laboratory (HL7 OBX-3, FHIR
     * Observation.code) find this item; one per way laboratories report it (a mass and a substance
     * concentration are two codes).
     */
    loinc: z.array(loincSchema).min(1).optional(),
    /** Hard limits: a value outside is physically impossible and is refused. */
    range: rangeSchema.optional(),
    /** Plausibility range (soft): a value outside is saved and opens a query, closed once corrected into it. */
    plausible: rangeSchema.optional(),
    codeList: identifierSchema.optional(),
    choices: z.array(codedValueSchema).min(1).optional(),
    required: z.boolean().default(false),
    /** Decimal places kept for decimal items. */
    precision: z.number().int().min(0).max(6).optional(),
    /** Skip logic: the item is shown (and can be required) only while this rule is true. */
    showIf: ruleTextSchema.optional(),
    /** A computed item: this expression (same type as the item) gives its value; it is never typed in. */
    derivation: ruleTextSchema.optional(),
    checks: z.array(editCheckSchema).default([]),
    sdtm: sdtmMappingSchema.optional(),
  })
  .superRefine((item, context) => {
    const coded = item.type === 'choice' || item.type === 'multichoice';
    const numeric = item.type === 'integer' || item.type === 'decimal';
    if (coded && (item.codeList === undefined) === (item.choices === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: `a ${item.type} item needs either codeList or choices`,
      });
    }
    if (!coded && (item.codeList !== undefined || item.choices !== undefined)) {
      const key = item.codeList !== undefined ? 'codeList' : 'choices';
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `only choice and multichoice items take ${key}`,
      });
    }
    if (!numeric && item.unit !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['unit'],
        message: 'only integer and decimal items have a unit',
      });
    }
    if (item.unit === undefined && (item.units !== undefined || item.molarMass !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: [item.units !== undefined ? 'units' : 'molarMass'],
        message: "other units and a molar mass need the item's own unit",
      });
    }
    if (!numeric && item.loinc !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['loinc'],
        message: 'only integer and decimal items take results by LOINC code',
      });
    }
    if (!numeric && item.range !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['range'],
        message: 'only integer and decimal items have a range',
      });
    }
    if (!numeric && item.plausible !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['plausible'],
        message: 'only integer and decimal items have a plausibility range',
      });
    }
    for (const problem of plausibleProblems(item.range, item.plausible)) {
      context.addIssue({ code: 'custom', path: ['plausible'], message: problem });
    }
    if (item.type !== 'decimal' && item.precision !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['precision'],
        message: 'only decimal items have a precision',
      });
    }
  });

type Range = z.infer<typeof rangeSchema>;

/** A plausibility range is a narrower window inside the hard limits; anything else is a mistake of the author. */
function plausibleProblems(limits: Range | undefined, plausible: Range | undefined): string[] {
  if (!plausible) return [];
  const problems: string[] = [];
  if (plausible.low !== undefined && plausible.high !== undefined && plausible.low > plausible.high) {
    problems.push('the plausibility range has low above high');
  }
  const { low, high } = limits ?? {};
  // Inverted hard limits are reported on the range itself; measuring against them says nothing more.
  if (low !== undefined && high !== undefined && low > high) return problems;
  const outside = (value: number | undefined) =>
    value !== undefined && ((low !== undefined && value < low) || (high !== undefined && value > high));
  if (outside(plausible.low) || outside(plausible.high)) {
    problems.push(
      `the plausibility range must lie within the hard limits (range ${low ?? '−∞'}–${high ?? '∞'})`,
    );
  }
  return problems;
}

export const formSchema = z.strictObject({
  id: identifierSchema,
  title: textSchema,
  description: textSchema.optional(),
  sdtmDomain: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter SDTM domain code such as "VS"')
    .optional(),
  /** A log form (adverse events, medications) holds any number of records per participant. */
  repeating: z.boolean().default(false),
  /**
   * A repeating form of which one entry is expected at each scheduled visit that lists it (a series such
   * as RT-PCR, unlike a log that may stay empty): the first entry is due on the worklist, later ones never.
   */
  dueAtVisits: z.boolean().optional(),
  items: z.array(itemSchema).min(1, 'a form needs at least one item'),
});

/**
 * Informed consent as the protocol sets it: whether an impartial witness signs (ICH E6(R3) 2.8.9: when
 * the participant or representative cannot read, a witness attends the whole discussion and signs), and
 * the versions of the consent form the ethics committee approved, oldest first. A consent names the
 * version signed; the last version listed is the one in force, and a participant who signed an earlier
 * one must consent again.
 */
export const consentSchema = z.strictObject({
  witness: z
    .enum(['required', 'when-needed', 'never'], {
      error: 'witness is required, when-needed (when the participant cannot read or sign) or never',
    })
    .default('never'),
  versions: z
    .array(
      z.strictObject({
        label: z.string().trim().min(1, 'give the version label as printed on the form, e.g. "2.0"').max(50),
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'give the date of the version as YYYY-MM-DD, e.g. "2026-03-01"'),
        languages: z
          .array(z.enum(['en', 'zh'], { error: 'languages are en and zh' }))
          .min(1, 'name at least one language the form is printed in'),
      }),
    )
    .default([])
    .refine((versions) => new Set(versions.map((version) => version.label)).size === versions.length, {
      message: 'each consent form version label appears once',
    }),
});
