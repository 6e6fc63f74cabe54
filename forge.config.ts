// Electron Forge 7.9 packaging (Forge 8 needs Node 22). What it makes: a .deb (the terminals
// run Debian/Ubuntu), an .rpm, a portable .zip, and a Squirrel installer for Windows.
//
// Decisions a caller must know:
// - Vite builds four things: main and the core process (vite.main.config.ts, ES modules),
//   the preload (vite.preload.config.ts, CommonJS as a sandboxed preload needs), and the
//   renderer named "pos" (vite.renderer.config.ts, which under Forge builds into
//   .vite/renderer/pos, the folder main serves as app://pos/; Forge's dev server URL reaches
//   main as POS_VITE_DEV_SERVER_URL).
// - Forge's Vite plugin packages only .vite/, so the natives (better-sqlite3, serialport and
//   @serialport/*, node-hid) and the packages they require are copied into the app in
//   packageAfterCopy (electron/native-modules.ts); Forge then rebuilds better-sqlite3 for
//   Electron (it is not Node-API; serialport and node-hid are, and need no rebuild), and
//   auto-unpack-natives puts every .node file in app.asar.unpacked. packageAfterPrune drops
//   better-sqlite3's C sources once the rebuild is done.
// - The rebuild needs Electron's headers (a release machine with internet), and packaging
//   downloads Electron: neither works offline.
// - Fuses close the doors an attacker with file access would use (ELECTRON_RUN_AS_NODE,
//   NODE_OPTIONS, --inspect) and make Electron load the app only from its integrity-checked
//   asar. RunAsNode off is why the core runs in a utilityProcess, not child_process.fork.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { AutoUnpackNativesPlugin } from '@electron-forge/plugin-auto-unpack-natives';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { copyNativeModules, stripNativeBuildLeftovers } from './electron/native-modules.ts';

const projectDir = dirname(fileURLToPath(import.meta.url));

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Kassa',
    executableName: 'kassa',
    asar: true,
  },
  rebuildConfig: { onlyModules: ['better-sqlite3'], force: true },
  makers: [
    new MakerDeb({
      options: {
        name: 'kassa',
        productName: 'Kassa',
        genericName: 'Point of sale',
        categories: ['Office'],
        section: 'misc',
        // Training mode runs its simulated devices on socat pseudo-terminals (without it, on in-memory links).
        recommends: ['socat'],
      },
    }),
    new MakerRpm({ options: { name: 'kassa', productName: 'Kassa', genericName: 'Point of sale', categories: ['Office'], license: 'MIT' } }),
    new MakerZIP({}, ['linux', 'win32']),
    new MakerSquirrel({ name: 'kassa', authors: 'Kassa contributors', description: 'Point-of-sale terminal', setupExe: 'KassaSetup.exe', noMsi: true }),
  ],
  hooks: {
    packageAfterCopy: async (_forgeConfig, buildPath, _electronVersion, platform, arch) => {
      copyNativeModules({ from: projectDir, to: buildPath, platform, arch });
    },
    packageAfterPrune: async (_forgeConfig, buildPath) => {
      stripNativeBuildLeftovers(buildPath);
    },
  },
  plugins: [
    new AutoUnpackNativesPlugin({}),
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/core-process.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'pos', config: 'vite.renderer.config.ts' }],
    }),
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
};

export default config;
