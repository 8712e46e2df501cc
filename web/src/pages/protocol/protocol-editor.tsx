import { Alert, Button, Group, Loader, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseDocument } from 'yaml';
import { parseProtocolText } from '../../../../src/protocol/parse-text.ts';
import type {
  AmendmentRequest,
  ProtocolVersionSummary,
} from '../../../../src/protocol/protocol-version.schema.ts';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';
import { errorMessage } from '../../api/session.ts';
import { ItemEditor } from './item-editor.tsx';
import { fetchProtocolSource } from './protocol-api.ts';

interface RawItem {
  id: string;
  label: { en: string; zh: string };
  required: boolean;
  showIf?: string;
  checks: Array<{ rule: string; severity: 'hard' | 'soft'; message: { en: string; zh: string } }>;
}
interface RawProtocol {
  forms: Array<{ id: string; title: { en: string; zh: string }; items: RawItem[] }>;
}

/** The forms and items as written in the YAML, with defaults, whether or not the file validates. */
function rawProtocol(source: string): RawProtocol | null {
  const document = parseDocument(source);
  if (document.errors.length > 0) return null;
  const data = document.toJS() as { forms?: unknown };
  if (!Array.isArray(data?.forms)) return null;
  const text = (value: unknown) => {
    const entry = (value ?? {}) as { en?: unknown; zh?: unknown };
    return { en: String(entry.en ?? ''), zh: String(entry.zh ?? '') };
  };
  return {
    forms: data.forms.map((form: { id?: unknown; title?: unknown; items?: unknown }) => ({
      id: String(form?.id ?? ''),
      title: text(form?.title),
      items: (Array.isArray(form?.items) ? form.items : []).map(
        (item: {
          id?: unknown;
          label?: unknown;
          required?: unknown;
          showIf?: unknown;
          checks?: unknown;
        }) => ({
          id: String(item?.id ?? ''),
          label: text(item?.label),
          required: item?.required === true,
          ...(typeof item?.showIf === 'string' ? { showIf: item.showIf } : {}),
          checks: (Array.isArray(item?.checks) ? item.checks : []).map(
            (check: { rule?: unknown; severity?: unknown; message?: unknown }) => ({
              rule: String(check?.rule ?? ''),
              severity: check?.severity === 'hard' ? ('hard' as const) : ('soft' as const),
              message: text(check?.message),
            }),
          ),
        }),
      ),
    })),
  };
}

/**
 * The protocol builder. The YAML stays the source of truth: the item editor writes into the YAML
 * document (keeping its comments and layout), the whole file is validated as it changes with the same
 * code the server runs, and saving makes a new protocol version.
 */
export function ProtocolEditor({ versionNo, current }: { versionNo: number; current: Protocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh' ? 'zh' : 'en';
  const client = useQueryClient();
  const [source, setSource] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [formIndex, setFormIndex] = useState(0);
  const [itemIndex, setItemIndex] = useState(0);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  useEffect(() => {
    fetchProtocolSource(versionNo).then(setSource, (error: unknown) =>
      setStatus({ kind: 'error', text: String(error) }),
    );
  }, [versionNo]);

  const result = useMemo(() => (source === null ? null : parseProtocolText(source)), [source]);
  // The item editor works on the file as written, so a half-typed rule does not take it away; rules
  // are checked against the last valid protocol.
  const [lastValid, setLastValid] = useState<Protocol>(current);
  useEffect(() => {
    if (result?.ok) setLastValid(result.protocol);
  }, [result]);
  const raw = useMemo(() => (source === null ? null : rawProtocol(source)), [source]);
  const protocol = lastValid;
  const form = raw?.forms[formIndex];
  const item = form?.items[itemIndex];

  if (source === null) return <Loader />;

  const setIn = (path: Array<string | number>, value: unknown) => {
    const document = parseDocument(source);
    if (value === undefined) document.deleteIn(path);
    else document.setIn(path, value);
    setSource(document.toString());
  };

  const save = async () => {
    setStatus(null);
    try {
      const saved = await api<ProtocolVersionSummary, AmendmentRequest>('POST', '/protocol/versions', {
        source,
        reason,
      });
      setStatus({
        kind: 'ok',
        text: t('protocolPage.saved', { version: saved.versionNo, label: saved.label }),
      });
      setReason('');
      // A new version changes forms, visits and rules on every page: none of their answers is fresh.
      void client.invalidateQueries({ refetchType: 'none' });
      await client.invalidateQueries({ queryKey: ['protocol'] });
    } catch (error) {
      setStatus({ kind: 'error', text: errorMessage(t, error) });
    }
  };

  return (
    <Stack>
      <Text size="sm">{t('protocolPage.editorIntro')}</Text>
      <Group align="flex-start" grow>
        <Stack>
          <Group grow>
            <Select
              label={t('protocolPage.form')}
              data={protocol.forms.map((entry, index) => ({
                value: String(index),
                label: entry.title[lang],
              }))}
              value={String(formIndex)}
              onChange={(value) => {
                setFormIndex(Number(value ?? 0));
                setItemIndex(0);
              }}
              allowDeselect={false}
            />
            <Select
              label={t('protocolPage.item')}
              data={(form?.items ?? []).map((entry, index) => ({
                value: String(index),
                label: entry.label[lang],
              }))}
              value={String(itemIndex)}
              onChange={(value) => setItemIndex(Number(value ?? 0))}
              allowDeselect={false}
            />
          </Group>
          {item ? (
            <ItemEditor
              protocol={protocol}
              item={item}
              path={['forms', formIndex, 'items', itemIndex]}
              setIn={setIn}
            />
          ) : (
            <Alert color="yellow">{t('protocolPage.fixYamlFirst')}</Alert>
          )}
        </Stack>
        <Stack>
          <Textarea
            label={t('protocolPage.yaml')}
            value={source}
            onChange={(e) => setSource(e.currentTarget.value)}
            autosize
            minRows={18}
            maxRows={30}
            ff="monospace"
            fz="xs"
            spellCheck={false}
            data-testid="protocol-yaml"
          />
          {result && !result.ok && (
            <Alert
              color="red"
              title={t('protocolPage.problems', { count: result.problems.length })}
              data-testid="protocol-problems"
            >
              {result.problems.slice(0, 20).map((problem) => (
                <Text size="xs" key={`${problem.path}:${problem.line}:${problem.message}`}>
                  {problem.line ? t('protocolPage.line', { line: problem.line }) : ''} {problem.path}:{' '}
                  {problem.message}
                </Text>
              ))}
            </Alert>
          )}
          {result?.ok && <Alert color="green">{t('protocolPage.valid')}</Alert>}
        </Stack>
      </Group>
      <Group align="flex-end">
        <TextInput
          style={{ flex: 1 }}
          label={t('protocolPage.reason')}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <Button onClick={() => void save()} disabled={!result?.ok || reason.trim() === ''}>
          {t('protocolPage.saveVersion')}
        </Button>
      </Group>
      {status && (
        <Alert color={status.kind === 'ok' ? 'green' : 'red'} role="status">
          {status.text}
        </Alert>
      )}
    </Stack>
  );
}
