import { Alert, Card, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { apiErrorText, type Consort, useLanguage, useProtocol } from '../api/trial.ts';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
  testId: string;
}

const BOX_H = 56;

/** The CONSORT participant flow, counted by the server from the screening log and participant states. */
export function ConsortPanel() {
  const { t } = useTranslation();
  const language = useLanguage();
  const consort = useQuery({ queryKey: ['consort'], queryFn: () => api<Consort>('GET', '/consort') });
  const protocol = useProtocol();
  if (consort.isPending) return <Loader />;
  if (consort.isError) return <Alert color="red">{apiErrorText(t, language, consort.error)}</Alert>;
  const data = consort.data;
  const criteria = protocol.data
    ? [...protocol.data.protocol.eligibility.inclusion, ...protocol.data.protocol.eligibility.exclusion]
    : [];
  const criterionName = (id: string) => {
    const criterion = criteria.find((entry) => entry.id === id);
    const text = criterion ? criterion.text[language] : id;
    return text.length > 48 ? `${text.slice(0, 47)}…` : text;
  };
  const failed = Object.entries(data.failedByCriterion).sort((a, b) => b[1] - a[1]);
  const failLines = [
    t('consort.screenFailed', { count: data.screenFailed }),
    ...failed.map(([id, count]) => `· ${criterionName(id)}: ${count}`),
  ];
  const failHeight = Math.max(BOX_H, 18 * failLines.length + 16);
  const boxes: Box[] = [
    {
      x: 170,
      y: 10,
      w: 260,
      h: BOX_H,
      lines: [t('consort.screened', { count: data.screened })],
      testId: 'screened',
    },
    { x: 460, y: 80, w: 330, h: failHeight, lines: failLines, testId: 'screen-failed' },
    {
      x: 460,
      y: 90 + failHeight,
      w: 330,
      h: BOX_H,
      lines: [
        t('consort.declined', { count: data.declined }),
        t('consort.inScreening', { count: data.inScreening }),
      ],
      testId: 'declined',
    },
  ];
  const enrolledY = 110 + failHeight + BOX_H;
  boxes.push({
    x: 170,
    y: enrolledY,
    w: 260,
    h: BOX_H,
    lines: [t('consort.enrolled', { count: data.enrolled })],
    testId: 'enrolled',
  });
  const outcomes: Array<[string, number]> = [
    ['ongoing', data.ongoing],
    ['completed', data.completed],
    ['withdrawn', data.withdrawn],
    ['lostToFollowUp', data.lostToFollowUp],
    ['died', data.died],
  ];
  const outcomeY = enrolledY + BOX_H + 50;
  outcomes.forEach(([key, count], index) => {
    boxes.push({
      x: 10 + index * 156,
      y: outcomeY,
      w: 146,
      h: BOX_H,
      lines: [t(`consort.${key}`), String(count)],
      testId: key,
    });
  });
  const height = outcomeY + BOX_H + 10;
  const centre = 300;
  return (
    <Card withBorder data-testid="consort-panel">
      <Stack gap="xs">
        <Title order={3}>{t('consort.title')}</Title>
        <svg viewBox={`0 0 800 ${height}`} width="100%" role="img" aria-label={t('consort.title')}>
          <title>{t('consort.title')}</title>
          <defs>
            <marker
              id="consort-arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" fill="#495057" />
            </marker>
          </defs>
          <g stroke="#495057" strokeWidth="1.5" fill="none">
            <line x1={centre} y1={10 + BOX_H} x2={centre} y2={enrolledY} markerEnd="url(#consort-arrow)" />
            <line
              x1={centre}
              y1={80 + BOX_H / 2}
              x2={460}
              y2={80 + BOX_H / 2}
              markerEnd="url(#consort-arrow)"
            />
            <line
              x1={centre}
              y1={90 + failHeight + BOX_H / 2}
              x2={460}
              y2={90 + failHeight + BOX_H / 2}
              markerEnd="url(#consort-arrow)"
            />
            <line x1={85} y1={enrolledY + BOX_H + 25} x2={10 + 4 * 156 + 73} y2={enrolledY + BOX_H + 25} />
            <line x1={centre} y1={enrolledY + BOX_H} x2={centre} y2={enrolledY + BOX_H + 25} />
            {outcomes.map(([key], index) => (
              <line
                key={key}
                x1={10 + index * 156 + 73}
                y1={enrolledY + BOX_H + 25}
                x2={10 + index * 156 + 73}
                y2={outcomeY}
                markerEnd="url(#consort-arrow)"
              />
            ))}
          </g>
          {boxes.map((box) => (
            <g key={box.testId} data-testid={`consort-${box.testId}`}>
              <rect x={box.x} y={box.y} width={box.w} height={box.h} rx={6} fill="#f8f9fa" stroke="#868e96" />
              {box.lines.map((line, index) => (
                <text
                  key={line}
                  x={box.x + 10}
                  y={box.y + 22 + index * 18}
                  fontSize={index === 0 ? 14 : 12}
                  fontWeight={index === 0 ? 600 : 400}
                  fill="#212529"
                >
                  {line}
                </text>
              ))}
            </g>
          ))}
        </svg>
        <Text size="xs" c="dimmed">
          {t('consort.note')}
        </Text>
      </Stack>
    </Card>
  );
}
