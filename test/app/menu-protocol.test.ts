import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../main/app/menu.js';
import { deepLinkFromArgv, parseDeepLink, protocolClientArgs } from '../../main/app/protocol.js';
import { AppCommandSchema, type AppCommand } from '../../main/common/ipc.js';
import { WORKSPACES } from '../../main/common/workspaces.js';

function build(isMac: boolean) {
  const sent: AppCommand[] = [];
  let docs = 0;
  const template = menuTemplate({ isMac, appName: 'SpatialForge', send: (c) => sent.push(c), openDocs: () => docs++ });
  const items = (m: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
    m.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);
  const all = items(template);
  const click = (label: string) => {
    const item = all.find((i) => i.label === label);
    assert.ok(item?.click, `menu item ${label}`);
    (item.click as () => void)();
  };
  return { template, all, sent, click, docs: () => docs };
}

describe('application menu', () => {
  test('every workspace has an item and Ctrl/Cmd+N in sidebar order, and sends the renderer that command', () => {
    const { all, sent, click } = build(false);
    WORKSPACES.forEach((w, i) => {
      const item = all.find((x) => x.label === w.label);
      assert.equal(item?.accelerator, `CmdOrCtrl+${i + 1}`);
      click(w.label);
    });
    assert.deepEqual(
      sent,
      WORKSPACES.map((w) => ({ type: 'workspace', id: w.id })),
    );
  });

  test('open, theme and shortcuts go to the renderer; the commands sent pass the renderer’s schema', () => {
    const { sent, click, docs, all } = build(false);
    click('Open Photos or Video…');
    click('Toggle Dark Theme');
    click('Keyboard Shortcuts');
    click('API Documentation');
    assert.deepEqual(
      sent.map((c) => c.type),
      ['open-files', 'toggle-theme', 'show-shortcuts'],
    );
    for (const c of sent) assert.ok(AppCommandSchema.safeParse(c).success);
    assert.equal(docs(), 1);
    assert.equal(all.find((i) => i.label === 'Open Photos or Video…')?.accelerator, 'CmdOrCtrl+O');
    const accelerators = all.map((i) => i.accelerator).filter(Boolean);
    assert.equal(new Set(accelerators).size, accelerators.length, 'no accelerator is used twice');
  });

  test('macOS gets the app menu and Close; Windows and Linux get Quit in File', () => {
    const mac = build(true).template;
    const other = build(false).template;
    assert.equal(mac[0]?.role, 'appMenu');
    assert.equal(other[0]?.label, 'File');
    const fileItems = (t: MenuItemConstructorOptions[]) =>
      (t.find((m) => m.label === 'File')!.submenu as MenuItemConstructorOptions[]).map((i) => i.role).filter(Boolean);
    assert.deepEqual(fileItems(mac), ['close']);
    assert.deepEqual(fileItems(other), ['quit']);
  });
});

describe('spatialforge:// links', () => {
  test('the two understood forms', () => {
    assert.deepEqual(parseDeepLink('spatialforge://open/measure'), { action: 'open', workspace: 'measure' });
    assert.deepEqual(parseDeepLink('spatialforge://open/poses/'), { action: 'open', workspace: 'poses' });
    assert.deepEqual(parseDeepLink('SPATIALFORGE://OPEN/jobs'), { action: 'open', workspace: 'jobs' });
    assert.deepEqual(parseDeepLink('spatialforge://activate?key=SF-PRO_abc123XYZ'), {
      action: 'activate',
      licenseKey: 'SF-PRO_abc123XYZ',
    });
  });

  test('everything else is refused', () => {
    for (const raw of [
      'https://open/depth',
      'spatialforge://open/../../etc',
      'spatialforge://open/admin',
      'spatialforge://open/depth?x=1',
      'spatialforge://activate',
      'spatialforge://activate?key=short',
      'spatialforge://activate?key=abc12345&key=def67890',
      'spatialforge://activate?key=abc12345&next=https://evil.example',
      'spatialforge://activate?key=<script>alert(1)</script>',
      'spatialforge://activate/extra?key=abc12345',
      'spatialforge://user:pw@activate?key=abc12345',
      'spatialforge://activate:99?key=abc12345',
      'spatialforge://delete-everything',
      'spatialforge:',
      'not a url',
      `spatialforge://activate?key=${'a'.repeat(3000)}`,
    ]) {
      assert.equal(parseDeepLink(raw), null, raw);
    }
  });

  test('found in a second instance’s argv (Windows, Linux), skipping flags and bad links', () => {
    assert.deepEqual(
      deepLinkFromArgv([
        '/opt/SpatialForge/spatialforge',
        '--no-sandbox',
        'spatialforge://bogus',
        'spatialforge://open/keys',
      ]),
      { action: 'open', workspace: 'keys' },
    );
    assert.equal(deepLinkFromArgv(['/opt/SpatialForge/spatialforge', '/home/me/photo.jpg']), null);
  });

  test('a development run registers its entry script; a packaged app registers itself', () => {
    assert.deepEqual(
      protocolClientArgs({ execPath: '/opt/SpatialForge/spatialforge', argv: ['/opt/SpatialForge/spatialforge'] }),
      {
        protocol: 'spatialforge',
      },
    );
    assert.deepEqual(
      protocolClientArgs({
        defaultApp: true,
        execPath: '/usr/lib/electron',
        argv: ['/usr/lib/electron', 'dist/main/app.js'],
      }),
      { protocol: 'spatialforge', path: '/usr/lib/electron', args: [path.resolve('dist/main/app.js')] },
    );
  });
});
