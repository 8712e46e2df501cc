import { createTheme } from '@mantine/core';

// Placeholder: tuned for WCAG AA contrast once axe reports what fails.
export const theme = createTheme({});
