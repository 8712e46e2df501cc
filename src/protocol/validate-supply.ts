import type { Protocol } from './schema.ts';

type Report = (path: Array<string | number>, message: string) => void;

/**
 * The supply section against the design: a blinded randomised design needs one (kits hide the arm);
 * kit type ids are unique; every arm of the design is served by exactly one kit type and no kit type
 * names an unknown arm; each kit type has a resupply rule, its own or the section's. Pure.
 */
export function checkSupply(protocol: Protocol, report: Report): void {
  const { design } = protocol.study;
  const supply = protocol.supply;
  if (!supply) {
    if (design.allocation === 'randomised' && design.masking !== 'none') {
      report(['supply'], 'a blinded randomised design needs a supply section with a kit type for each arm');
    }
    return;
  }
  const armIds = design.arms.map((arm) => arm.id);
  const servedBy = new Map<string, string>();
  const typeIds = new Set<string>();
  supply.kitTypes.forEach((kitType, index) => {
    const path = ['supply', 'kitTypes', index];
    if (typeIds.has(kitType.id)) report([...path, 'id'], `duplicate kit type id '${kitType.id}'`);
    typeIds.add(kitType.id);
    kitType.arms.forEach((arm, armIndex) => {
      const other = servedBy.get(arm);
      if (!armIds.includes(arm)) {
        report([...path, 'arms', armIndex], `unknown arm '${arm}' (the design's arms: ${armIds.join(', ')})`);
      } else if (other) {
        report([...path, 'arms', armIndex], `arm '${arm}' already takes kit type '${other}'`);
      } else servedBy.set(arm, kitType.id);
    });
    if (!kitType.resupply && !supply.resupply) {
      report([...path, 'resupply'], `give kit type '${kitType.id}' a resupply rule, or one for all types`);
    }
  });
  for (const arm of armIds) {
    if (!servedBy.has(arm)) report(['supply', 'kitTypes'], `no kit type serves arm '${arm}'`);
  }
}
