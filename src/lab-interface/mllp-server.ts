import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Database } from '../db/connection.ts';
import { buildAck } from './hl7-ack.ts';
import { interfaceCaller } from './interface-caller.ts';
import { receiveLabMessage } from './lab-message.service.ts';
import { MllpFramer, mllpFrame, type UndecodableFrame } from './mllp.ts';

export interface MllpListener {
  port: number;
  close(): Promise<void>;
}

interface ListenOptions {
  database: Database;
  studyId: string;
  port: number;
  host: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock?: () => Date;
}

/**
 * Receives HL7 v2 messages over MLLP on a TCP port. Each framed message is received (stored, its
 * results written or queued) and answered with an ACK in the same connection, in order: AA when
 * taken, AE or AR with the reason when not, AE when the server itself failed (the sender retries).
 */
export function startMllpListener(options: ListenOptions): Promise<MllpListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, options);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      options.logger.info({ port }, 'receiving laboratory messages over MLLP');
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function serveConnection(socket: Socket, options: ListenOptions): void {
  const framer = new MllpFramer();
  const from = `MLLP ${socket.remoteAddress ?? 'unknown'}`;
  // Messages of one connection are taken one after another: their ACKs go back in the order sent.
  let queue = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    let messages: Array<string | UndecodableFrame>;
    try {
      messages = framer.push(chunk);
    } catch (error) {
      options.logger.warn({ from, error: String(error) }, 'MLLP frame too long: connection closed');
      socket.destroy();
      return;
    }
    for (const message of messages) {
      queue = queue.then(() => answerMessage(socket, message, from, options));
    }
  });
  socket.on('error', (error) => options.logger.warn({ from, error: String(error) }, 'MLLP connection error'));
}

async function answerMessage(
  socket: Socket,
  frame: string | UndecodableFrame,
  from: string,
  options: ListenOptions,
): Promise<void> {
  const at = options.clock?.() ?? new Date();
  if (typeof frame !== 'string') {
    // Not stored: what was sent could not be kept as it was. The sender is told why, and may resend.
    options.logger.warn({ from, problem: frame.problem }, 'laboratory message refused');
    const refusal = { code: 'AR' as const, controlId: null, text: frame.problem, at };
    if (!socket.destroyed)
      socket.write(mllpFrame(buildAck(frame.lenient, { ...refusal, ackControlId: `ACK-${randomUUID()}` })));
    return;
  }
  const message = frame;
  let ack: string;
  try {
    const receipt = await receiveLabMessage(
      options.database,
      options.studyId,
      interfaceCaller(from),
      { format: 'hl7v2', source: 'mllp', raw: message },
      at,
    );
    ack = buildAck(message, {
      code: receipt.ackCode,
      controlId: receipt.controlId,
      text: receipt.ackCode === 'AA' ? undefined : receipt.text,
      at,
      ackControlId: `ACK-${receipt.messageId}`,
    });
  } catch (error) {
    options.logger.error({ from, error: String(error) }, 'laboratory message not received');
    ack = buildAck(message, {
      code: 'AE',
      controlId: null,
      text: 'The message could not be stored; send it again later.',
      at,
      ackControlId: `ACK-${randomUUID()}`,
    });
  }
  if (!socket.destroyed) socket.write(mllpFrame(ack));
}
