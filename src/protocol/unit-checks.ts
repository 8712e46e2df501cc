import { convertUnit, isUcumUnit } from '../labs/units.ts';
import { parseProtocolText } from './parse-text.ts';
import type { Protocol, ProtocolItem } from './schema.ts';
import type { ProtocolProblem } from './validate.ts';

type Report = (path: Array<string | number>, message: string) => void;

/**
 * An item's units must be UCUM codes the UCUM tables know, and each other unit must convert to the
 * item's own (a mass to a substance concentration only with the molar mass): a value entered in it
 * could not be saved otherwise.
 */
export function checkItemUnits(item: ProtocolItem, itemPath: Array<string | number>, report: Report): void {
  if (item.unit === undefined) return;
  if (!isUcumUnit(item.unit)) report([...itemPath, 'unit'], `'${item.unit}' is not a known UCUM unit`);
  (item.units ?? []).forEach((unit, index) => {
    const path = [...itemPath, 'units', index];
    if (unit === item.unit) report(path, `'${unit}' is the item's own unit; list only the others`);
    else if (!isUcumUnit(unit)) report(path, `'${unit}' is not a known UCUM unit`);
    else if (item.unit !== undefined && !convertUnit(1, unit, item.unit, item.molarMass).ok) {
      report(
        path,
        `'${unit}' does not convert to '${item.unit}'${item.molarMass ? '' : ' (a mass to a substance concentration needs molarMass)'}`,
      );
    }
  });
}

/** The UCUM checks of every item of a protocol (see checkItemUnits): run on the server, where the UCUM tables load. */
export function checkProtocolUnits(protocol: Protocol): ProtocolProblem[] {
  const problems: ProtocolProblem[] = [];
  protocol.forms.forEach((form, formIndex) => {
    form.items.forEach((item, itemIndex) => {
      checkItemUnits(item, ['forms', formIndex, 'items', itemIndex], (path, message) =>
        problems.push({ path, message }),
      );
    });
  });
  return problems;
}

/** parseProtocolText with the server's own checks: what every server path that reads a protocol uses. */
export const parseProtocolOnServer = (text: string, fileName?: string) =>
  parseProtocolText(text, fileName, checkProtocolUnits);
