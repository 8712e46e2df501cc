import { useQuery } from '@tanstack/react-query';
import type { ApiTokenView } from '../../../../src/auth/api-token.schema.ts';
import type { UserAdminView } from '../../../../src/auth/auth.schema.ts';
import type { SiteEntry, SiteView } from '../../../../src/study/study.schema.ts';
import { api } from '../../api/client.ts';

export type { ApiTokenView, SiteView, UserAdminView };

export const useSites = () =>
  useQuery({ queryKey: ['sites'], queryFn: () => api<SiteEntry[]>('GET', '/sites') });
