import { itemCatalog, protocolItemCodes } from './item-catalog.ts';
import type { Protocol } from './schema.ts';
import type { RandomisationDesign, StratificationFactor } from './schema-randomisation.ts';

type Path = Array<string | number>;
type Report = (path: Path, message: string) => void;

/**
 * The randomisation section against the rest of the protocol: a randomised design has one and an
 * unrandomised one has none; the ratio names every arm and no other; each block size is a whole
 * number of ratio cycles (a block of 4 cannot hold 2:1); each factor's item exists and its levels
 * cover each of the item's codes exactly once. Pure.
 */
export function checkRandomisation(protocol: Protocol, report: Report): void {
  const { design } = protocol.study;
  const randomisation = protocol.randomisation;
  if (!randomisation) {
    if (design.allocation === 'randomised') {
      report(['randomisation'], 'the design is randomised: add a randomisation section (method, ratio, …)');
    }
    return;
  }
  if (design.allocation !== 'randomised') {
    report(
      ['randomisation'],
      `the design's allocation is ${design.allocation}; set it to randomised or drop this section`,
    );
  }
  checkArmRegimens(protocol, report);
  checkRatio(
    randomisation,
    design.arms.map((arm) => arm.id),
    report,
  );
  if (randomisation.method === 'permuted-blocks') checkBlockSizes(randomisation, report);
  const ids = new Map<string, number>();
  randomisation.stratification.forEach((factor, index) => {
    const path = ['randomisation', 'stratification', index];
    const first = ids.get(factor.id);
    if (first !== undefined)
      report([...path, 'id'], `duplicate factor id '${factor.id}' (already used at index ${first})`);
    else ids.set(factor.id, index);
    if (factor.source === 'item') checkItemFactor(protocol, factor, path, report);
  });
}

function checkRatio(randomisation: RandomisationDesign, armIds: string[], report: Report): void {
  const named = Object.keys(randomisation.ratio);
  for (const arm of armIds) {
    if (!named.includes(arm)) report(['randomisation', 'ratio'], `the ratio gives no share to arm '${arm}'`);
  }
  for (const arm of named) {
    if (!armIds.includes(arm)) {
      report(
        ['randomisation', 'ratio', arm],
        `unknown arm '${arm}' (the design's arms: ${armIds.join(', ')})`,
      );
    }
  }
  if (armIds.length < 2) report(['study', 'design', 'arms'], 'a randomised design needs at least two arms');
}

function checkBlockSizes(
  randomisation: Extract<RandomisationDesign, { method: 'permuted-blocks' }>,
  report: Report,
): void {
  const cycle = Object.values(randomisation.ratio).reduce((sum, share) => sum + share, 0);
  randomisation.blockSizes.forEach((size, index) => {
    if (size % cycle !== 0) {
      report(
        ['randomisation', 'blockSizes', index],
        `a block of ${size} cannot keep the ratio ${Object.values(randomisation.ratio).join(':')}: ` +
          `block sizes must be multiples of ${cycle}`,
      );
    }
  });
  if (new Set(randomisation.blockSizes).size !== randomisation.blockSizes.length) {
    report(['randomisation', 'blockSizes'], 'a block size is listed twice');
  }
}

function checkItemFactor(
  protocol: Protocol,
  factor: Extract<StratificationFactor, { source: 'item' }>,
  path: Path,
  report: Report,
): void {
  const entry = itemCatalog(protocol).get(factor.item);
  if (!entry) {
    report([...path, 'item'], `unknown item '${factor.item}' (write it as form.item, e.g. screening.shock)`);
    return;
  }
  const levelIds = new Set<string>();
  const seen = new Map<string, string>();
  factor.levels.forEach((level, index) => {
    if (levelIds.has(level.id)) report([...path, 'levels', index, 'id'], `duplicate level id '${level.id}'`);
    levelIds.add(level.id);
    for (const value of level.values) {
      const key = JSON.stringify(value);
      const other = seen.get(key);
      if (other) report([...path, 'levels', index], `the value ${key} is already in level '${other}'`);
      seen.set(key, level.id);
    }
  });
  const codes = protocolItemCodes(protocol)[factor.item];
  const type = entry.item.type;
  if (codes) {
    for (const key of seen.keys()) {
      if (!codes.map((code) => JSON.stringify(code)).includes(key)) {
        report(
          [...path, 'levels'],
          `${key} is not a code of ${factor.item} (its codes: ${codes.join(', ')})`,
        );
      }
    }
    const unmapped = codes.filter((code) => !seen.has(JSON.stringify(code)));
    if (unmapped.length > 0) {
      report([...path, 'levels'], `the codes ${unmapped.join(', ')} of ${factor.item} are in no level`);
    }
  } else if (type === 'boolean') {
    for (const key of seen.keys()) {
      if (key !== 'true' && key !== 'false')
        report([...path, 'levels'], `${factor.item} is yes/no: use true and false`);
    }
  } else {
    report([...path, 'item'], `${factor.item} is ${type}: a factor reads a choice or yes/no item`);
  }
}

function checkArmRegimens(protocol: Protocol, report: Report): void {
  const visits = new Map(protocol.schedule.visits.map((visit) => [visit.id, visit]));
  protocol.study.design.arms.forEach((arm, armIndex) => {
    const regimen = arm.regimen;
    if (!regimen) return;
    const path = ['study', 'design', 'arms', armIndex, 'regimen'];
    if (regimen.doseVisits.length !== regimen.numberOfDoses) {
      report(
        [...path, 'doseVisits'],
        `${regimen.doseVisits.length} dose visits for ${regimen.numberOfDoses} doses`,
      );
    }
    regimen.doseVisits.forEach((visitId, index) => {
      const visit = visits.get(visitId);
      if (!visit) report([...path, 'doseVisits', index], `unknown visit '${visitId}'`);
      else if (visit.kind !== 'dosing') {
        report([...path, 'doseVisits', index], `visit ${visitId} is of kind ${visit.kind}, not dosing`);
      }
    });
  });
}
