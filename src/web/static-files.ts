import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Response } from 'express';

/** The directory of an installed package (its package.json), for files its exports map does not list. */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * The project's root: the nearest directory above this module holding package.json (the source tree under
 * ts-node and jest, the installed package when compiled into dist/).
 */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/**
 * Sends one file of the package. Pages are not cached (a new release shows at once); assets are kept an
 * hour. Nothing is fetched from elsewhere: the page's CSP allows this origin only.
 */
export function sendPackaged(res: Response, file: string, page = false): void {
  res.set('x-content-type-options', 'nosniff');
  res.set('cache-control', page ? 'no-cache' : 'public, max-age=3600');
  res.sendFile(file, { dotfiles: 'deny' });
}

/** Content-Security-Policy of the pages: scripts, styles, images and calls to this origin only. */
export function pagePolicy(extra: { styleInline?: boolean; connectWebSocket?: boolean } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self'${extra.styleInline ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${extra.connectWebSocket ? ' ws: wss:' : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
