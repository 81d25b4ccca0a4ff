'use strict';

// `npm pack` makes a tarball that `npm install ./connect-dynamo-X.tgz`
// installs offline (no registry here: the package has no dependencies) into
// a scratch project elsewhere, with the prebuilt addon and library it
// carries, and that stores and reads a session there - with nothing of
// this checkout on the library path.

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');

const packageDir = path.resolve(__dirname, '..');
const pkg = require('../package.json');

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300000, ...options });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test('npm pack, then npm install of the tarball offline into a scratch project, works there', () => {
  assert.deepEqual(pkg.dependencies || {}, {}, 'nothing to fetch from a registry');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-dynamo-pack-'));
  try {
    const packed = run('npm', ['pack', '--pack-destination', scratch], { cwd: packageDir });
    const tarball = path.join(scratch, packed.trim().split('\n').pop());
    assert.equal(path.basename(tarball), `connect-dynamo-${pkg.version}.tgz`);

    const project = path.join(scratch, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const env = { ...process.env, npm_config_offline: 'true' };
    delete env.CONNECTDYNAMO_LIBRARY;
    delete env.LD_LIBRARY_PATH;
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, env });

    const installed = path.join(project, 'node_modules', 'connect-dynamo');
    const script = `
      const { EventEmitter } = require('node:events');
      // express-session is not installable here; its Store base is enough.
      const session = { Store: class Store extends EventEmitter {} };
      const Store = require('connect-dynamo')({ session });
      const store = new Store({ table: 'packed', AWSConfigJSON: {
        accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint: process.argv[1] } });
      store.set('sid1', { cookie: { maxAge: 60000 }, n: 1 }, (error) => {
        if (error) throw error;
        store.get('sid1', (error, s) => {
          if (error) throw error;
          console.log(JSON.stringify({ n: s.n, version: require('connect-dynamo').libraryVersion,
            addon: require.resolve('connect-dynamo') }));
          store.close();
        });
      });`;
    const out = run(process.execPath, ['-e', script, process.env.CDYN_TEST_ENDPOINT], { cwd: project, env });
    const seen = JSON.parse(out.trim().split('\n').pop());
    assert.equal(seen.n, 1);
    assert.equal(seen.version, pkg.version);
    assert.ok(seen.addon.startsWith(installed));
    // The library it loaded is the one in the package.
    const maps = run(process.execPath, ['-e',
      `require('connect-dynamo'); console.log(require('fs').readFileSync('/proc/self/maps', 'utf8'))`],
    { cwd: project, env });
    assert.match(maps, new RegExp(`${installed}/prebuilt/[^/]+/libconnectdynamo\\.so\\.1`));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
