/**
 * The registry server as the engine offers it to the CLI (`berth registry serve|gc`). The
 * server keeps its own storage root, apart from the engine's image store.
 */
export {
  collectRegistryGarbage,
  defaultGraceMs,
  startRegistryServer,
  type GcReport,
  type RunningRegistry,
} from '../distribution/server/index.js';
