/** berth's registry server: what the engine offers of it. */
export { startRegistryServer, type RegistryServerOptions, type RunningRegistry } from './server.js';
export { collectRegistryGarbage, defaultGraceMs, type GcOptions, type GcReport } from './gc.js';
