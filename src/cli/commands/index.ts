/** Every command berth has, in help order. */
import type { Command } from '../command.js';
import { imageImport, imageLoad, imageSave } from './image-archive.js';
import { imageHistory, imageInspect } from './image-inspect.js';
import { imageList } from './image-list.js';
import { imageBuiltin, imagePrune, imageRemove, imageTag } from './image-manage.js';
import { systemCheck, systemDf } from './system.js';
import { versionCommand } from './version.js';
import { volumeCreate, volumeInspect, volumeList, volumePrune, volumeRemove } from './volume.js';

export const commands: Command[] = [
  imageList,
  imageBuiltin,
  imageHistory,
  imageImport,
  imageInspect,
  imageLoad,
  imagePrune,
  imageRemove,
  imageSave,
  imageTag,
  systemCheck,
  systemDf,
  versionCommand,
  volumeCreate,
  volumeInspect,
  volumeList,
  volumePrune,
  volumeRemove,
];
