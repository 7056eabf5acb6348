// `npm run build:cni`: the plugin as one CommonJS file with a `#!/usr/bin/env node` line, written as
// dist/cni/spiderpool and dist/cni/admission-ipam (the two ipam types it serves). `--sea` also builds a Node single
// executable (dist/cni/sea/) for hosts without Node: the node binary itself with the bundle injected.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const repoRoot = resolve(import.meta.dirname, '..');
export const pluginNames = ['spiderpool', 'admission-ipam'] as const;

/** Bundles main.ts into `outDir/spiderpool` and a copy `outDir/admission-ipam`; returns their paths. */
export async function bundlePlugin(outDir = join(repoRoot, 'dist', 'cni')): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const first = join(outDir, pluginNames[0]);
  await build({
    entryPoints: [join(repoRoot, 'cni-readback', 'main.ts')],
    outfile: first,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(first, 0o755);
  // Node reads an extension-less file as ESM under a package.json with "type": "module" (this repository's); in
  // /opt/cni/bin no package.json is above it and CommonJS is the default. This keeps runs from dist/ the same.
  writeFileSync(join(outDir, 'package.json'), '{"type": "commonjs"}\n');
  const paths = [first];
  for (const name of pluginNames.slice(1)) {
    const copy = join(outDir, name);
    copyFileSync(first, copy);
    chmodSync(copy, 0o755);
    paths.push(copy);
  }
  return paths;
}

// postject's sentinel for Node's single executable applications.
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The single executable: this node binary with the bundle (as a SEA blob with a code cache) injected. */
export function buildSea(bundle: string, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const blob = join(outDir, 'sea-prep.blob');
  const config = join(outDir, 'sea-config.json');
  // The bundle without its shebang line: the SEA main script is run as CommonJS as it is.
  const main = join(outDir, 'main.cjs');
  execFileSync('sh', ['-c', `tail -n +2 "$1" > "$2"`, 'sh', bundle, main]);
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const exe = join(outDir, pluginNames[0]);
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  const postject = join(repoRoot, 'node_modules', '.bin', 'postject');
  execFileSync(postject, [exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', seaFuse], { stdio: ['ignore', 'ignore', 'inherit'] });
  const paths = [exe];
  for (const name of pluginNames.slice(1)) {
    const other = join(outDir, name);
    rmSync(other, { force: true });
    linkSync(exe, other);
    paths.push(other);
  }
  for (const f of [blob, config, main]) rmSync(f, { force: true });
  return paths;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { sea: { type: 'boolean', default: false }, out: { type: 'string' } } });
  const outDir = resolve(values.out ?? join(repoRoot, 'dist', 'cni'));
  const paths = await bundlePlugin(outDir);
  for (const p of paths) console.log(`${p} (${statSync(p).size} bytes)`);
  if (values.sea) {
    for (const p of buildSea(paths[0] as string, join(outDir, 'sea'))) console.log(`${p} (${statSync(p).size} bytes)`);
  }
}
