import { Table, type TableProps } from '@mantine/core';

/**
 * A table that, when its columns need more room than the screen has (a phone at the bedside), scrolls
 * sideways inside its own frame instead of widening the page. Rows, cells and headings are Mantine's
 * (`Table.Tr`, `Table.Td`, …); `minWidth` keeps a grid from being squeezed below what it needs.
 */
export function ScrollTable({ minWidth = 0, ...props }: TableProps & { minWidth?: number }) {
  return (
    <Table.ScrollContainer minWidth={minWidth} type="native">
      <Table {...props} />
    </Table.ScrollContainer>
  );
}
