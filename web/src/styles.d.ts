// Stylesheets imported for their side effect (Mantine's CSS); Vite bundles them.
declare module '*.css';
