import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { hardenWebContents, refusePermissions, windowOptions } from '../../main/app/security.js';
import { isSafeExternalUrl } from '../../main/ipc/urls.js';

// Electron cannot start here; these doubles stand in for Electron's objects at the boundary and
// record what our code asks of them.
class FakeWebContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.openHandler = h;
  }
}
const navEvent = () => {
  const e = { prevented: false, preventDefault: () => (e.prevented = true) };
  return e;
};

describe('Electron window security', () => {
  test('window options follow the security checklist', () => {
    const wp = windowOptions('/app/preload.cjs').webPreferences!;
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.sandbox, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.webviewTag, false);
    assert.equal(wp.preload, '/app/preload.cjs');
  });

  test('navigation leaves the app only to the browser, and only for web links', () => {
    const wc = new FakeWebContents();
    const opened: string[] = [];
    hardenWebContents(wc as never, 'http://127.0.0.1:4780', (u) => opened.push(u));
    const inside = navEvent();
    wc.emit('will-navigate', inside, 'http://127.0.0.1:4780/docs');
    assert.equal(inside.prevented, false);
    for (const url of [
      'https://example.com/help',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://127.0.0.1:9999/',
    ]) {
      const e = navEvent();
      wc.emit('will-navigate', e, url);
      assert.equal(e.prevented, true, url);
    }
    assert.deepEqual(opened, ['https://example.com/help', 'http://127.0.0.1:9999/']);
    const webview = navEvent();
    wc.emit('will-attach-webview', webview);
    assert.equal(webview.prevented, true);
  });

  test('new windows are always denied; safe links go to the browser', () => {
    const wc = new FakeWebContents();
    const opened: string[] = [];
    hardenWebContents(wc as never, 'http://127.0.0.1:4780', (u) => opened.push(u));
    assert.equal(wc.openHandler!({ url: 'https://example.com' }).action, 'deny');
    assert.equal(wc.openHandler!({ url: 'smb://share/x' }).action, 'deny');
    assert.deepEqual(opened, ['https://example.com']);
  });

  test('every permission request is refused', () => {
    let requestHandler: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let checkHandler: (() => boolean) | null = null;
    refusePermissions({
      setPermissionRequestHandler: (h: never) => (requestHandler = h),
      setPermissionCheckHandler: (h: never) => (checkHandler = h),
    } as never);
    let granted: boolean | null = null;
    requestHandler!(null, 'media', (ok) => (granted = ok));
    assert.equal(granted, false);
    assert.equal(checkHandler!(), false);
  });

  test('external URL check', () => {
    assert.equal(isSafeExternalUrl('https://spatialforge.app/docs'), true);
    assert.equal(isSafeExternalUrl('https://user:pw@example.com'), false);
    assert.equal(isSafeExternalUrl('file:///C:/Windows/system32/calc.exe'), false);
    assert.equal(isSafeExternalUrl('not a url'), false);
  });
});
