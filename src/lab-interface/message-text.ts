// A laboratory message is stored as received, so it must arrive as text that can be stored exactly:
// valid UTF-8 (the encoding MSH-18 "UNICODE UTF-8" names) without NUL, which PostgreSQL's text
// refuses. A lossy decoding would store U+FFFD in place of what the laboratory sent, silently.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type DecodedMessage = { ok: true; text: string } | { ok: false; problem: string };

/** The message's bytes as text, or why they cannot be taken as they are. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return {
      ok: false,
      problem: 'The message is not valid UTF-8 text: send it encoded in UTF-8 (MSH-18 UNICODE UTF-8).',
    };
  }
  if (text.includes('\u0000'))
    return { ok: false, problem: 'The message holds a NUL character, which cannot be stored.' };
  // U+FFFD marks text already damaged by a lossy conversion on the way (a lone surrogate, a byte of
  // another encoding): what the laboratory measured is no longer there to store.
  if (text.includes('\ufffd'))
    return {
      ok: false,
      problem:
        'The message holds U+FFFD, the mark of text damaged in a conversion: send the original message.',
    };
  return { ok: true, text };
}
