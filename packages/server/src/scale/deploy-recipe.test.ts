/**
 * The deployment recipes in deploy/ stay what nginx.test.ts runs: the image,
 * the systemd unit and `npm start` start a node with the tests' command (and
 * node flags, testing/node-flags.ts), nginx keeps idle
 * sockets longer than the heartbeat, and docker-compose.yml fills every
 * placeholder of deploy/nginx.conf. No Docker needed: these read the files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NGINX_TEMPLATE } from '../../testing/nginx.js';
import { NODE_FLAGS } from '../../testing/node-flags.js';
import { NEWTON_BIN } from '../../testing/reconnecting-client.js';
import { loadConfig } from '../config.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, 'deploy', file), 'utf8');
/** `node <flags> <bin> start`: what NewtonProcess.start spawns (process.execPath is node). */
const START = ['node', ...NODE_FLAGS, path.relative(ROOT, NEWTON_BIN), 'start'];

test('the image starts a node with the command the nginx test runs, as a non-root user, on a Node LTS', () => {
  const dockerfile = read('Dockerfile');
  const cmd = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
  assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
  assert.deepEqual(JSON.parse(cmd), START);
  assert.match(dockerfile, /^USER node$/m, 'runs as the unprivileged node user');
  assert.match(dockerfile, /^HEALTHCHECK /m);
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1] as string);
  assert.ok(bases.length >= 2, 'multi-stage');
  for (const base of bases) {
    const major = Number(/^node:(\d+)-[a-z]+-slim$/.exec(base)?.[1]);
    assert.ok(major >= 20 && major % 2 === 0, `${base}: a slim image of an LTS line of Node (even major)`);
  }
});

test('the systemd unit runs the same command', () => {
  const unit = read('newton@.service');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/);
  assert.deepEqual(exec, ['/usr/bin/node', ...START.slice(1)]);
  assert.match(unit, /^WorkingDirectory=/m);
});

test('npm start runs the same command', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  assert.deepEqual(pkg.scripts.start.split(/\s+/), START);
});

test("nginx keeps sockets unbuffered and open longer than the node's heartbeat", () => {
  const conf = readFileSync(NGINX_TEMPLATE, 'utf8');
  const ws = /location \/ws\/ \{([^}]*)\}/.exec(conf)?.[1];
  assert.ok(ws, 'a location for /ws/');
  const heartbeatS = loadConfig({}).heartbeatIntervalMs / 1000;
  for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
    const s = Number(new RegExp(`${directive} (\\d+)s;`).exec(ws)?.[1]);
    assert.ok(s > heartbeatS * 2, `${directive} ${s}s is over twice the heartbeat (${heartbeatS}s)`);
  }
  assert.match(ws, /proxy_buffering off;/);
  for (const header of ['Upgrade', 'Connection', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host'])
    assert.match(conf, new RegExp(`proxy_set_header ${header} `), header);
});

test("docker-compose.yml gives the nginx template every placeholder and mounts it as the image's template", () => {
  const compose = read('docker-compose.yml');
  const placeholders = new Set(
    [
      ...readFileSync(NGINX_TEMPLATE, 'utf8')
        .replace(/^#.*$/gm, '')
        .matchAll(/\$\{(\w+)\}/g),
    ].map((m) => m[1] as string),
  );
  assert.ok(placeholders.size >= 8, [...placeholders].join(' '));
  const nginxService = compose.slice(compose.indexOf('\n  nginx:'), compose.indexOf('\n  certbot:'));
  for (const name of placeholders) assert.match(nginxService, new RegExp(`\\n\\s+${name}: `), name);
  assert.match(nginxService, /\.\/nginx\.conf:\/etc\/nginx\/templates\/default\.conf\.template:ro/);
  for (const service of ['newton-1', 'newton-2', 'postgres', 'redis', 'nginx'])
    assert.match(compose, new RegExp(`\\n  ${service}:\\n`), service);
});
