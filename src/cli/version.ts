/** The version berth reports (replaced at bundle time from package.json). */
declare const __BERTH_VERSION__: string | undefined;
export const VERSION = typeof __BERTH_VERSION__ === 'string' ? __BERTH_VERSION__ : '0.0.0-dev';
