/** English strings; zh.ts must give every key (the type checker and a test enforce it). */
export const en = {
  app: { name: 'exotrial', tagline: 'Early-phase clinical trials, end to end' },
  language: { label: 'Language', en: 'English', zh: '简体中文' },
  nav: {
    overview: 'Study overview',
    participants: 'Participants',
    forms: 'Forms',
    product: 'Product',
    safety: 'Safety',
    analysis: 'Analysis',
    exports: 'Exports',
    admin: 'Admin',
  },
  auth: {
    signInTitle: 'Sign in',
    email: 'Email',
    password: 'Password',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signedInAs: 'Signed in as {{name}}',
  },
  setup: {
    title: 'Create the first administrator',
    intro:
      'This one-time link creates the account that administers the study. Use a password of at least 12 characters.',
    name: 'Full name',
    confirm: 'Repeat the password',
    submit: 'Create administrator',
    mismatch: 'The two passwords differ.',
    missingToken: 'This page needs the setup link printed by the server at start.',
  },
  overview: {
    title: 'Study overview',
    registry: 'Registry',
    protocol: 'Protocol version',
    loadedAt: 'loaded {{date}}',
    sites: 'Sites',
    siteCode: 'Code',
    timeZone: 'Time zone',
    users: 'Users',
    auditEvents: 'Audit events',
  },
  area: {
    notYet: 'This area is not part of this release yet. The navigation shows where it will be.',
  },
  errors: {
    unauthenticated: 'The email or password is not correct.',
    forbidden: 'You are not allowed to do this.',
    validation_failed: 'Some fields are not valid.',
    rate_limited: 'Too many attempts. Wait a minute and try again.',
    network: 'The server cannot be reached. Check your connection.',
    unknown: 'Something went wrong: {{message}}',
  },
};

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
export type Translation = Shape<typeof en>;
