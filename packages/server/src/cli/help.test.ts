/**
 * Every command and subcommand has help (#14): `newton COMMAND [SUB] --help`
 * and `newton help COMMAND [SUB]` print it on stdout with exit 0, naming every
 * option its parser accepts with a sentence. The parser reads its options from
 * the same table (cli/help), so a new option without help fails here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-runner.js';
import { allCommands, isGroup, SPECS } from './help/index.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
const COMMANDS_DIR = fileURLToPath(new URL('./commands/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'newton-help-'));
const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' };
after(() => rmSync(dir, { recursive: true, force: true }));

function spawnCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('newton help', () => {
  test('newton --help lists every command and subcommand with its sentence', async () => {
    const r = await runCli(['--help'], env);
    assert.equal(r.code, 0, r.err);
    for (const c of allCommands()) {
      assert.ok(c.summary.length > 10, `${c.name} has a summary`);
      const row = r.out.split('\n').find((l) => l.startsWith(`  ${c.name} `));
      assert.ok(row, `newton --help lists ${c.name}:\n${r.out}`);
      assert.ok(row.includes(c.summary.split(' ').slice(0, 3).join(' ')), `its sentence: ${row}`);
    }
  });

  for (const c of allCommands()) {
    test(`newton ${c.name} --help: exit 0, every option with a sentence, shell-safe`, async () => {
      const words = c.name.split(' ');
      const r = await runCli([...words, '--help'], env);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      assert.ok(r.out.startsWith(`newton ${c.name}: ${c.summary}`), r.out);
      for (const [name, o] of Object.entries(c.options)) {
        assert.match(r.out, new RegExp(`^ {2}--${name}\\b`, 'm'), `--${name} is in the help of ${c.name}`);
        assert.ok(o.help.trim().split(/\s+/).length >= 3, `--${name} of ${c.name} has a sentence`);
        assert.ok(r.out.includes(o.help.split(' ').slice(0, 4).join(' ')), `--${name}'s sentence is printed`);
      }
      for (const [a] of c.arguments ?? []) assert.match(r.out, new RegExp(`^ {2}${a}\\b`, 'm'));
      // Usage and examples paste into a shell: no <placeholder> a shell reads as a redirection.
      assert.doesNotMatch(r.out, /<[^>\n]*>/, `no <…> placeholder in:\n${r.out}`);
      assert.ok(c.examples.length > 0, `${c.name} has an example`);
      for (const e of c.examples) assert.ok(e.startsWith('npx newton ') || /^\w+=/.test(e), e);
      // -h and `newton help …` print the same.
      assert.equal((await runCli([...words, '-h'], env)).out, r.out);
      assert.equal((await runCli(['help', ...words], env)).out, r.out);
    });
  }

  test('the groups (tenant, instance) have help listing each subcommand', async () => {
    for (const spec of Object.values(SPECS)) {
      if (!isGroup(spec)) continue;
      const r = await runCli([spec.name, '--help'], env);
      assert.equal(r.code, 0, r.err);
      for (const c of spec.subcommands) assert.ok(r.out.includes(`${c.name}: ${c.summary}`), r.out);
    }
  });

  test('as a real process: newton instance --help and newton instance add --help exit 0 on stdout', async () => {
    const group = await spawnCli('instance', '--help');
    assert.equal(group.code, 0, group.stderr);
    assert.match(group.stdout, /^newton instance: /);
    const add = await spawnCli('instance', 'add', '--help');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /--phone-number-id PHONE_NUMBER_ID/);
    assert.equal(add.stderr, '');
  });

  test('no command parses options outside its help table', () => {
    for (const file of readdirSync(COMMANDS_DIR)) {
      const source = readFileSync(path.join(COMMANDS_DIR, file), 'utf8');
      assert.doesNotMatch(source, /parseArgs\s*\(/, `${file} calls parseArgs itself`);
      assert.doesNotMatch(source, /\bparse\(\s*\w+\s*,\s*\{/, `${file} gives parse() options of its own`);
    }
  });

  test('a usage error names the subcommand and points at its help', async () => {
    const r = await runCli(['instance', 'add', 'acme', '--colour', 'red'], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /^newton instance add: Unknown option '--colour'/);
    assert.match(r.err, /newton instance add --help says more/);
  });
});
