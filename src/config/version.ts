/** Replaced by the bundler with package.json's version; the fallback serves runs from source. */
declare const PODVISOR_VERSION: string | undefined;

export const VERSION: string = typeof PODVISOR_VERSION === 'string' ? PODVISOR_VERSION : '0.0.0-source';
