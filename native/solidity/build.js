#!/usr/bin/env node
// Compiles every native/solidity/*.sol, plus the interfaces users import (EXTRA_SOURCES, e.g.
// crossvm/ICrossVM.sol), with the pinned solcjs and writes
// native/solidity/build/<Contract>.json = { abi, bytecode, deployedBytecode } (an interface has
// bytecode "0x").
//
// Source unit names are paths relative to the repo root ("native/solidity/Counter.sol"), so a
// relative import such as "../../crossvm/ICrossVM.sol" resolves to "crossvm/ICrossVM.sol"; any
// other import is read by the import callback, only from inside the repository.
//
// Deterministic: sorted sources, fixed settings, no absolute paths in the input, metadata hash
// disabled (so comments or line endings do not change the bytecode), stable JSON formatting, and
// stale outputs removed. Rebuilding from the same sources gives byte-identical files.
//
// Usage (from anywhere): npm ci && node native/solidity/build.js
// Exit status: 0 on success, 1 on any compile error (warnings are printed, not fatal).
'use strict';

const fs = require('fs');
const path = require('path');

const SRC_DIR = __dirname;
const OUT_DIR = path.join(SRC_DIR, 'build');
const REPO_ROOT = path.resolve(SRC_DIR, '..', '..');

function fail(message) {
  console.error(`build.js: ${message}`);
  process.exit(1);
}

let solc;
try {
  solc = require(require.resolve('solc', { paths: [REPO_ROOT] }));
} catch (e) {
  fail(`cannot load solc (${e.message}); run \`npm ci\` at the repo root`);
}

// The compiler must be the exact version pinned in the root package.json.
const pinned = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))
  .devDependencies.solc;
const loaded = solc.version(); // e.g. "0.8.37+commit.xxxxxxxx.Emscripten.clang"
if (!loaded.startsWith(`${pinned}+`)) {
  fail(`solc ${loaded} is loaded but package.json pins ${pinned}; run \`npm ci\``);
}

const files = fs
  .readdirSync(SRC_DIR)
  .filter((f) => f.endsWith('.sol'))
  .sort();
if (files.length === 0) fail(`no .sol files in ${SRC_DIR}`);

// Compiled even if nothing imports them, so their ABIs are emitted too.
const EXTRA_SOURCES = ['crossvm/ICrossVM.sol'];

// Repo-relative, '/'-separated source unit name of a file.
const unitName = (file) => path.relative(REPO_ROOT, file).split(path.sep).join('/');

const sources = {};
for (const f of files) {
  sources[unitName(path.join(SRC_DIR, f))] = {
    content: fs.readFileSync(path.join(SRC_DIR, f), 'utf8'),
  };
}
for (const name of EXTRA_SOURCES) {
  sources[name] = { content: fs.readFileSync(path.join(REPO_ROOT, name), 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'prague', // py-evm 0.12 has no Osaka
    optimizer: { enabled: true, runs: 200 },
    viaIR: false,
    metadata: { bytecodeHash: 'none' },
    outputSelection: {
      '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
    },
  },
};

// Imports not already among the sources: repo-relative files only (no absolute paths, nothing
// outside the repository, no node_modules lookups).
function findImports(name) {
  const file = path.resolve(REPO_ROOT, name);
  if (path.isAbsolute(name) || name.split('/').includes('..') || !file.startsWith(REPO_ROOT + path.sep)) {
    return { error: `import ${name} is outside the repository` };
  }
  try {
    return { contents: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: `cannot read ${name} (${e.code || e.message})` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

let errors = 0;
for (const e of output.errors || []) {
  if (e.severity === 'error') errors += 1;
  console.error(e.formattedMessage || `${e.severity}: ${e.message}`);
}
if (errors > 0) fail(`${errors} compile error(s)`);

const written = new Map(); // contract name -> source file
for (const file of Object.keys(output.contracts || {}).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    if (written.has(name)) {
      fail(`contract ${name} is defined in both ${written.get(name)} and ${file}`);
    }
    const c = output.contracts[file][name];
    const artifact = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
    if (/__\$[0-9a-f]{34}\$__/.test(artifact.bytecode)) {
      fail(`contract ${name} needs library linking, which build.js does not do`);
    }
    written.set(name, file);
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  }
}

// Remove outputs of contracts that no longer exist, so the directory mirrors the sources.
for (const f of fs.readdirSync(OUT_DIR)) {
  if (f.endsWith('.json') && !written.has(f.slice(0, -'.json'.length))) {
    fs.unlinkSync(path.join(OUT_DIR, f));
  }
}

console.log(
  `solc ${loaded} (prague, optimizer 200 runs): ` +
    [...written].map(([n, f]) => `${n} (${f})`).join(', ') +
    ` -> ${path.relative(process.cwd(), OUT_DIR) || '.'}`,
);
