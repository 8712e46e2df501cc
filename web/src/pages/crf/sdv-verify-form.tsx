import { Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface SdvRow {
  key: string;
  label: string;
  /** What the label alone does not say: an item removed by a later amendment. */
  note?: string;
  value: string;
}

/** "Verify all N fields" of one form: a confirmation listing each field and value, then one request. */
export function VerifyFormButton({
  formTitle,
  rows,
  pending,
  onConfirm,
}: {
  formTitle: string;
  rows: SdvRow[];
  pending: boolean;
  onConfirm: (keys: string[]) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="light" onClick={() => setOpen(true)}>
        {t('sdv.verifyForm', { count: rows.length })}
      </Button>
      {open && (
        <Modal opened onClose={() => setOpen(false)} title={t('sdv.confirmTitle', { form: formTitle })}>
          <Stack>
            <Text size="sm">{t('sdv.confirmText', { count: rows.length })}</Text>
            <List size="sm" data-testid="sdv-confirm-list">
              {rows.map((row) => (
                <List.Item key={row.key}>
                  {row.label}
                  {row.note ? ` (${row.note})` : ''}: <b>{row.value}</b>
                </List.Item>
              ))}
            </List>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                {t('common.cancel')}
              </Button>
              <Button
                loading={pending}
                onClick={() => {
                  onConfirm(rows.map((row) => row.key));
                  setOpen(false);
                }}
              >
                {t('sdv.verifyForm', { count: rows.length })}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}
