/** Every command berth has, in help order. */
import type { Command } from '../command.js';
import { imageImport, imageLoad, imageSave } from './image-archive.js';
import { imageHistory } from './image-inspect.js';
import { containerInspect, imageInspect, inspectAny } from './inspect.js';
import { imageList } from './image-list.js';
import { imageBuiltin, imagePrune, imageRemove, imageTag } from './image-manage.js';
import { systemCheck, systemReset, systemDf } from './system.js';
import { versionCommand } from './version.js';
import {
  containerCleanup,
  containerKill,
  containerLogs,
  containerPause,
  containerRemove,
  containerRestart,
  containerStop,
  containerUnpause,
  containerWait,
} from './container-manage.js';
import { containerList } from './container-ps.js';
import { containerExec } from './container-exec.js';
import {
  containerCommit,
  containerCopy,
  containerDiff,
  containerExport,
} from './container-files.js';
import {
  containerPrune,
  containerRename,
  containerStatsCommand,
  containerTopCommand,
} from './container-info.js';
import { containerAttach, containerCreate, containerRun, containerStart } from './container-run.js';
import { buildCommand, builderPrune } from './build.js';
import {
  containerPort,
  networkConnect,
  networkCreate,
  networkDisconnect,
  networkInspect,
  networkList,
  networkPrune,
  networkRemove,
} from './network.js';
import { registryGc, registryServe } from './registry.js';
import {
  imagePull,
  imagePush,
  loginCommand,
  logoutCommand,
  manifestInspect,
} from './registry-client.js';
import { volumeCreate, volumeInspect, volumeList, volumePrune, volumeRemove } from './volume.js';

export const commands: Command[] = [
  buildCommand,
  builderPrune,
  containerCommit,
  containerCopy,
  containerDiff,
  containerExport,
  containerPrune,
  containerRename,
  containerStatsCommand,
  containerTopCommand,
  containerAttach,
  inspectAny,
  containerCleanup,
  containerCreate,
  containerExec,
  containerInspect,
  containerKill,
  containerList,
  containerLogs,
  containerPause,
  containerRemove,
  containerRestart,
  containerRun,
  containerStart,
  containerStop,
  containerUnpause,
  containerWait,
  imageList,
  imageBuiltin,
  imageHistory,
  imageImport,
  imageInspect,
  imageLoad,
  imagePrune,
  imagePull,
  imagePush,
  imageRemove,
  imageSave,
  imageTag,
  loginCommand,
  logoutCommand,
  manifestInspect,
  containerPort,
  networkConnect,
  networkCreate,
  networkDisconnect,
  networkInspect,
  networkList,
  networkPrune,
  networkRemove,
  registryGc,
  registryServe,
  systemCheck,
  systemReset,
  systemDf,
  versionCommand,
  volumeCreate,
  volumeInspect,
  volumeList,
  volumePrune,
  volumeRemove,
];
