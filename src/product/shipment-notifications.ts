import type { Tx } from '../db/connection.ts';
import { notify } from '../notifications/notify.ts';
import type { UnitRow } from './product.queries.ts';

/**
 * A shipment handed to the courier for a site's unit: that site's pharmacists hear of it in the
 * transaction of the hand-over, so someone is ready to receive it and check its condition. A
 * shipment back to a central depot (a unit of no site) concerns no site's team and is not notified.
 */
export async function notifyShipmentSent(
  trx: Tx,
  studyId: string,
  shipment: { shipmentId: string; courier: string; vialCount: number; from: UnitRow; to: UnitRow },
  senderId: string,
): Promise<void> {
  if (shipment.to.site_id === null) return;
  await notify(trx, studyId, {
    kind: 'shipment.sent',
    siteId: shipment.to.site_id,
    params: {
      from: `${shipment.from.code} (${shipment.from.name})`,
      to: `${shipment.to.code} (${shipment.to.name})`,
      count: shipment.vialCount,
      courier: shipment.courier,
    },
    link: '/product/shipments',
    eventKey: `shipment:${shipment.shipmentId}:sent`,
    exceptUserId: senderId,
  });
}
