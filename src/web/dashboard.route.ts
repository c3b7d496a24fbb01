import { join } from 'node:path';
import express from 'express';
import { packageDir, pagePolicy, projectRoot, sendPackaged } from './static-files';

/**
 * The county office's dashboard at /dashboard/: web/dashboard/ and uPlot from its npm package, every file
 * served from this package (no CDN: it works on a closed network). The page reads the API (POST /graphql)
 * and the CSV exports with the key the user pastes.
 */
export function dashboardRouter(): express.Router {
  const router = express.Router();
  const pages = join(projectRoot(), 'web', 'dashboard');
  const files: Record<string, string> = {
    'dashboard.js': join(pages, 'dashboard.js'),
    'dashboard.css': join(pages, 'dashboard.css'),
    'uPlot.iife.min.js': join(packageDir('uplot'), 'dist', 'uPlot.iife.min.js'),
    'uPlot.min.css': join(packageDir('uplot'), 'dist', 'uPlot.min.css'),
  };
  router.get('/dashboard', (req, res) => {
    // The page's relative asset URLs need the trailing slash.
    if (!req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(302, '/dashboard/');
    res.set('content-security-policy', pagePolicy());
    res.set('referrer-policy', 'no-referrer');
    sendPackaged(res, join(pages, 'index.html'), true);
  });
  router.get('/dashboard/assets/:file', (req, res, next) => {
    if (!Object.hasOwn(files, req.params.file)) return next();
    sendPackaged(res, files[req.params.file]);
  });
  return router;
}
