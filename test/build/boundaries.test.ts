import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

// The import boundaries between runtimes are lint rules; these cases prove each rule bites.
const eslint = new ESLint();
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  const cases: [string, string, boolean][] = [
    ['engines/core/x.ts', "import fs from 'node:fs'; export const a = fs;", true],
    [
      'engines/depth/x.ts',
      "import { InferenceSession } from 'onnxruntime-node'; export const a = InferenceSession;",
      true,
    ],
    ['engines/pose/x.ts', "import Koa from 'koa'; export const a = Koa;", true],
    ['engines/recon/x.ts', "import { openCore } from '../../main/core/core.js'; export const a = openCore;", true],
    [
      'engines/runtime/x.ts',
      "import { InferenceSession } from 'onnxruntime-node'; export const a = InferenceSession;",
      false,
    ],
    ['engines/runtime/x.ts', "import fs from 'node:fs'; export const a = fs;", true],
    ['main/api/x.ts', "import { InferenceSession } from 'onnxruntime-node'; export const a = InferenceSession;", true],
    ['main/common/x.ts', "import fs from 'node:fs'; export const a = fs;", true],
    ['main/common/x.ts', "import { openCore } from '../core/core.js'; export const a = openCore;", true],
    ['renderer/src/x.ts', "import Database from 'better-sqlite3'; export const a = Database;", true],
    [
      'renderer/src/x.ts',
      "import { startServer } from '../../main/api/server.js'; export const a = startServer;",
      true,
    ],
    [
      'renderer/src/x.ts',
      "import { contract } from '../../main/common/api/contract.js'; export const a = contract;",
      false,
    ],
    ['main/api/x.ts', "import fs from 'node:fs'; export const a = fs;", false],
  ];
  for (const [file, code, shouldFail] of cases) {
    test(`${file}: ${code.split(';')[0]} → ${shouldFail ? 'refused' : 'allowed'}`, async () => {
      const v = await violations(file, code);
      assert.equal(v.length > 0, shouldFail, v.join('\n'));
    });
  }
});
