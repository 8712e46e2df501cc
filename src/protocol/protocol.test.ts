import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { brokenCases } from './broken-protocols.ts';
import { protocolRules } from './item-catalog.ts';
import { defaultProtocolPath, loadProtocolFile, parseProtocolText, protocolSummary } from './load.ts';

const examplePath = fileURLToPath(new URL('../../protocols/examples/nebsal.yaml', import.meta.url));
const shippedText = await readFile(defaultProtocolPath(), 'utf8');

function lineOf(text: string, marker: string, nth = 1): number {
  let index = -1;
  for (let count = 0; count < nth; count += 1) {
    index = text.indexOf(marker, index + 1);
    if (index < 0) throw new Error(`marker not found: ${marker}`);
  }
  return text.slice(0, index).split('\n').length;
}

describe('shipped protocols', () => {
  it('protocols/mexcovid.yaml is valid and complete', async () => {
    const result = await loadProtocolFile(defaultProtocolPath());
    if (!result.ok)
      throw new Error(
        result.problems.map((problem) => `${problem.line} ${problem.path}: ${problem.message}`).join('\n'),
      );
    const { protocol } = result;
    expect(protocol.study.id).toBe('mexcovid');
    expect(protocol.study.registryId).toBe('NCT04276987');
    expect(protocol.eligibility.inclusion).toHaveLength(5);
    expect(protocol.eligibility.exclusion.length).toBeGreaterThanOrEqual(11);
    expect(protocol.regimen).toMatchObject({
      numberOfDoses: 5,
      intervalDays: 1,
      route: 'inhalation',
      dose: { amount: 2e8 },
      volume: { amount: 3, unit: 'mL' },
    });
    expect(protocol.product.storage).toEqual({
      temperatureCelsius: -80,
      allowedCelsius: { low: -90, high: -60 },
      excursionToleranceMinutes: 30,
    });
    expect(protocol.product.thawed).toEqual({ useWithinHours: 6, refreezeAllowed: false });
    expect(protocol.outcomes.ordinalScale?.categories).toHaveLength(7);
    expect(protocol.outcomes.ttci).toMatchObject({ improvementCategories: 2, horizonDays: 28 });
    expect(protocol.safety.clocks.map((clock) => [clock.deadline.value, clock.deadline.unit])).toEqual([
      [24, 'hours'],
      [7, 'days'],
      [15, 'days'],
    ]);
    const forms = protocol.forms.map((form) => form.id);
    for (const required of [
      'demographics',
      'medicalHistory',
      'screening',
      'informedConsent',
      'vitals',
      'bloodGas',
      'labs',
      'chestCt',
      'rtPcr',
      'clinicalStatus',
      'conmeds',
      'exposure',
      'adverseEvent',
      'endOfStudy',
    ]) {
      expect(forms).toContain(required);
    }
    expect(protocolRules(protocol).length).toBeGreaterThan(80);
  });

  it('the example protocol (a different trial) is valid', async () => {
    const result = await loadProtocolFile(examplePath);
    expect(result.ok ? result.protocol.study.id : result.problems).toBe('nebsal');
  });

  it('summarises in both languages', async () => {
    const result = parseProtocolText(shippedText);
    if (!result.ok) throw new Error('shipped protocol invalid');
    expect(protocolSummary(result.protocol, 'en')).toContain('Eligibility:');
    expect(protocolSummary(result.protocol, 'zh')).toContain('入选标准');
  });
});

describe('broken protocols are rejected where the fault is', () => {
  it('has a table of at least 30 cases', () => {
    expect(brokenCases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(brokenCases.map((brokenCase) => [brokenCase.name, brokenCase] as const))(
    '%s',
    (_name, brokenCase) => {
      let text = shippedText;
      if (brokenCase.find !== undefined) {
        expect(text.includes(brokenCase.find), 'the edit must apply to the shipped file').toBe(true);
        text = text.replace(brokenCase.find, brokenCase.replace ?? '');
      }
      if (brokenCase.mutate) {
        const document = parseDocument(text);
        brokenCase.mutate(document);
        text = String(document);
      }
      const result = parseProtocolText(text, 'broken.yaml');
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const matches = result.problems.filter(
        (problem) => problem.path === brokenCase.path && (brokenCase.message?.test(problem.message) ?? true),
      );
      expect(matches, JSON.stringify(result.problems, null, 1)).not.toHaveLength(0);
      if (brokenCase.lineOf !== undefined) {
        const line = lineOf(text, brokenCase.lineOf, brokenCase.nth);
        expect(matches.map((problem) => problem.line)).toContain(line);
      }
      expect(matches.every((problem) => problem.file === 'broken.yaml')).toBe(true);
    },
  );
});
