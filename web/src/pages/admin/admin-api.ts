import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';

export interface Localized {
  en: string;
  zh: string;
}

export interface Site {
  siteId: string;
  code: string;
  name: Localized;
  timeZone: string;
}

export interface AdminUser {
  userId: string;
  email: string;
  name: string;
  roles: string[];
  siteIds: string[];
  status: 'active' | 'disabled';
  version: number;
  totpEnabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
}

export interface ApiToken {
  tokenId: string;
  userEmail: string;
  userName: string;
  name: string;
  prefix: string;
  createdAt: string;
  createdByName: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const useSites = () => useQuery({ queryKey: ['sites'], queryFn: () => api<Site[]>('GET', '/sites') });
