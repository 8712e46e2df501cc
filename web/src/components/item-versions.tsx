import { Badge } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ProtocolVersion } from '../../../src/protocol/protocol-version.schema.ts';
import type { Protocol } from '../../../src/protocol/schema.ts';
import { api } from '../api/client.ts';
import './item-versions.strings.ts';

/** A protocol version as the web reads it: the definition typed. */
export type VersionDefinition = Omit<ProtocolVersion, 'protocol'> & { protocol: Protocol };

/**
 * The protocol versions stored values were entered under, each fetched once: a record is read under
 * its own version, so an item a later amendment removed keeps its label there.
 */
export function useProtocolVersions(versionNos: number[]) {
  const wanted = [...new Set(versionNos.filter((versionNo) => versionNo > 0))].sort((a, b) => a - b);
  const queries = useQueries({
    queries: wanted.map((versionNo) => ({
      queryKey: ['protocol', 'version', versionNo],
      queryFn: async (): Promise<VersionDefinition> => {
        const body = await api<ProtocolVersion>('GET', `/protocol/versions/${versionNo}`);
        return { ...body, protocol: body.protocol as Protocol };
      },
      staleTime: Number.POSITIVE_INFINITY,
    })),
  });
  return {
    pending: queries.some((query) => query.isPending),
    error: queries.find((query) => query.isError)?.error ?? null,
    byNo: new Map(
      queries.flatMap((query) => (query.data ? [[query.data.versionNo, query.data] as const] : [])),
    ),
  };
}

export interface ItemInVersion {
  /** The form's title in the version the value was entered under (the id only if no version knows it). */
  formTitle: string;
  label: string;
  /** The entered version's label when the current protocol no longer has this item; else undefined. */
  removedFrom?: string;
}

/**
 * Names a stored value's form and item as the version it was entered under does, falling back to the
 * current protocol, and says whether the current protocol removed the item.
 */
export function itemInVersion(
  current: Protocol | undefined,
  entered: VersionDefinition | undefined,
  formId: string,
  itemId: string,
  language: 'en' | 'zh',
  enteredNo?: number,
): ItemInVersion {
  const currentForm = current?.forms.find((form) => form.id === formId);
  const enteredForm = entered?.protocol.forms.find((form) => form.id === formId) ?? currentForm;
  const now = currentForm?.items.find((item) => item.id === itemId);
  const item = enteredForm?.items.find((candidate) => candidate.id === itemId) ?? now;
  const removed = current !== undefined && now === undefined && item !== undefined;
  return {
    formTitle: enteredForm?.title[language] ?? formId,
    label: item?.label[language] ?? itemId,
    removedFrom: removed ? (entered?.label ?? String(enteredNo ?? '')) : undefined,
  };
}

/** The orange mark on an item a later amendment removed: which version has it no more, which had it. */
export function RemovedItemBadge({
  current,
  entered,
  testId = 'removed-item',
}: {
  /** The current protocol's version label. */
  current: string;
  /** The label of the version the value was entered under. */
  entered: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Badge ml="xs" size="sm" variant="light" color="orange" tt="none" data-testid={testId}>
      {removedNote(t, current, entered)}
    </Badge>
  );
}

export const removedNote = (t: TFunction, current: string, entered: string) =>
  t('sdvVersions.removedNote', {
    removed: t('sdvVersions.removed', { version: current }),
    entered: t('sdvVersions.enteredUnder', { version: entered }),
  });
