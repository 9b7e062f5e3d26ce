// `npm run deps`: checks the dependency rule (docs/architecture.md, "Layers and the dependency rule")
// with dependency-cruiser and the rules in .dependency-cruiser.cjs. Prints one line per violation,
// `error <rule>: <from> → <to>`, and exits 1 if there is any.
//
// Two cruises with the same rules file:
// - every module rule over everything given (tests included: they are bound by the cycle and
//   package rules, and the folder rules exempt them by path);
// - the folder-scope rules (no-folder-cycle) over the same roots without the test files, because a
//   test may well import two folders that import each other only through it, and dependency-cruiser
//   aggregates folders from every module it sees.
//
// Usage: node --import tsx scripts/deps.ts [--base-dir DIR] [root ...]
//   roots default to `packages bench`; --base-dir (default: the repo) is what roots, rule paths and
//   tsconfig.json are relative to (scripts/deps.test.ts points it at a throwaway tree).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cruise,
  type ICruiseOptions,
  type ICruiseResult,
  type IForbiddenRuleType,
  type IViolation,
} from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const repoRoot = path.resolve(import.meta.dirname, '..');
export const RULES_FILE = path.join(repoRoot, '.dependency-cruiser.cjs');
export const DEFAULT_ROOTS = ['packages', 'bench'];
const TEST_FILE = '\\.test\\.ts$';

interface RulesFile {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions & { tsConfig?: { fileName?: string } };
}

export interface DepsViolation {
  rule: string;
  from: string;
  to: string;
  /** for cycles: the modules or folders around it, starting after `from` */
  cycle?: string[];
}

export interface DepsReport {
  violations: DepsViolation[];
  /** one line per violation: `error <rule>: <from> → <to>` */
  lines: string[];
}

export interface DepsOptions {
  /** the directory the roots, the rules' paths and tsconfig.json are relative to (default: the repo) */
  baseDir?: string;
  roots?: string[];
  rulesFile?: string;
}

function toViolation(v: IViolation): DepsViolation {
  const cycle = v.cycle?.map((step) => step.name);
  return { rule: v.rule.name, from: v.from, to: v.to, ...(cycle ? { cycle } : {}) };
}

export function formatViolation(v: DepsViolation): string {
  const cycle = v.cycle ? ` (cycle: ${[v.from, ...v.cycle].join(' → ')})` : '';
  return `error ${v.rule}: ${v.from} → ${v.to}${cycle}`;
}

async function run(
  roots: string[],
  forbidden: IForbiddenRuleType[],
  options: RulesFile['options'],
  baseDir: string,
  extra: ICruiseOptions,
): Promise<DepsViolation[]> {
  if (forbidden.length === 0) return [];
  const tsConfigFile = path.resolve(baseDir, options.tsConfig?.fileName ?? 'tsconfig.json');
  const cruiseOptions: ICruiseOptions = {
    ...options,
    ...extra,
    baseDir,
    validate: true,
    outputType: 'json',
    tsConfig: { fileName: tsConfigFile },
    ruleSet: { forbidden },
  };
  const { output } = await cruise(roots, cruiseOptions, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const result = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  return result.summary.violations.map(toViolation);
}

function withTestsExcluded(exclude: ICruiseOptions['exclude']): ICruiseOptions['exclude'] {
  const paths = [TEST_FILE];
  if (typeof exclude === 'string') paths.push(exclude);
  else if (Array.isArray(exclude)) paths.push(...exclude);
  else if (exclude?.path) paths.push(...[exclude.path].flat());
  return { path: paths.map((p) => `(?:${p})`).join('|') };
}

export async function checkDependencies(opts: DepsOptions = {}): Promise<DepsReport> {
  const baseDir = path.resolve(opts.baseDir ?? repoRoot);
  const roots = opts.roots ?? DEFAULT_ROOTS;
  const rules = createRequire(import.meta.url)(path.resolve(opts.rulesFile ?? RULES_FILE)) as RulesFile;
  const isFolderRule = (r: IForbiddenRuleType) => 'scope' in r && r.scope === 'folder';
  const moduleRules = rules.forbidden.filter((r) => !isFolderRule(r));
  const folderRules = rules.forbidden.filter(isFolderRule);

  const violations = [
    ...(await run(roots, moduleRules, rules.options, baseDir, {})),
    ...(await run(roots, folderRules, rules.options, baseDir, {
      exclude: withTestsExcluded(rules.options.exclude),
    })),
  ];
  return { violations, lines: violations.map(formatViolation) };
}

async function main(args: string[]): Promise<number> {
  const opts: DepsOptions = {};
  const at = args.indexOf('--base-dir');
  if (at >= 0) {
    const dir = args[at + 1];
    if (!dir) throw new Error('--base-dir needs a directory');
    opts.baseDir = dir;
    args.splice(at, 2);
  }
  if (args.length > 0) opts.roots = args;
  const { violations, lines } = await checkDependencies(opts);
  if (violations.length === 0) {
    console.log('deps: no dependency-rule violations');
    return 0;
  }
  for (const line of lines) console.error(line);
  console.error(
    `\n${violations.length} dependency-rule violation(s); the rules and why: .dependency-cruiser.cjs, ` +
      'docs/architecture.md "Layers and the dependency rule"',
  );
  return 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
