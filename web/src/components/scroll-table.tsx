import { Table, type TableProps } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Whether `element`'s content is wider than its frame, kept current as either resizes. */
function useScrollsSideways(element: HTMLElement | null): boolean {
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    if (!element) return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, [element]);
  return scrolls;
}

/**
 * A table that, when its columns need more room than the screen has (a phone at the bedside), scrolls
 * sideways inside its own frame instead of widening the page. Rows, cells and headings are Mantine's
 * (`Table.Tr`, `Table.Td`, …); `minWidth` keeps a grid from being squeezed below what it needs.
 * A frame that does scroll is a named Tab stop, so the keyboard can scroll it too (WCAG 2.1.1); one
 * that fits adds no Tab stop.
 */
export function ScrollTable({ minWidth = 0, ...props }: TableProps & { minWidth?: number }) {
  const { t } = useTranslation();
  const [frame, setFrame] = useState<HTMLDivElement | null>(null);
  const scrolls = useScrollsSideways(frame);
  return (
    <Table.ScrollContainer
      ref={setFrame}
      minWidth={minWidth}
      type="native"
      {...(scrolls ? { tabIndex: 0, role: 'region', 'aria-label': t('common.scrollRegion') } : {})}
    >
      <Table {...props} />
    </Table.ScrollContainer>
  );
}
