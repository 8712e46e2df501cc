// Imported, not read at run time: the build inlines the version into the bundle, wherever its chunk lands.
import packageJson from '../package.json' with { type: 'json' };

export const exotrialVersion: string = packageJson.version;
