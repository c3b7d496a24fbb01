import { join } from 'node:path';
import express from 'express';
import { introspectionFromSchema, IntrospectionQuery } from 'graphql';
import { gatewaySchema } from '../schema';
import { packageDir, pagePolicy, projectRoot, sendPackaged } from './static-files';

/** The files GraphiQL's page loads, each from the installed npm package that ships it. */
function assets(): Record<string, string> {
  const pages = join(projectRoot(), 'web', 'graphiql');
  return {
    'graphiql.min.js': join(packageDir('graphiql'), 'graphiql.min.js'),
    'graphiql.min.css': join(packageDir('graphiql'), 'graphiql.min.css'),
    'react.production.min.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
    'react-dom.production.min.js': join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
    'start.js': join(pages, 'start.js'),
  };
}

/**
 * GraphiQL at /graphiql, every file served from this package (no CDN). The schema it shows is
 * /graphiql/schema.json, the introspection result of the server's own schema computed here, so the page
 * runs no introspection query and works within the default MAX_QUERY_DEPTH, and in production (with
 * GRAPHIQL=true) where introspection over /graphql is off. A browser's GET /graphql without a query is
 * sent here.
 */
export function graphiqlRouter(): express.Router {
  const router = express.Router();
  const files = assets();
  const page = join(projectRoot(), 'web', 'graphiql', 'index.html');
  let introspection: IntrospectionQuery | undefined;

  router.get('/graphql', (req, res, next) => {
    const wantsPage = req.accepts(['application/json', 'text/html']) === 'text/html';
    if (wantsPage && Object.keys(req.query).length === 0) return res.redirect(302, '/graphiql');
    next();
  });
  router.get(['/graphiql', '/graphiql/'], (_req, res) => {
    res.set('content-security-policy', pagePolicy({ styleInline: true }));
    sendPackaged(res, page, true);
  });
  router.get('/graphiql/schema.json', (_req, res) => {
    introspection ??= introspectionFromSchema(gatewaySchema(), { descriptions: true });
    res.set('cache-control', 'no-cache').json(introspection);
  });
  router.get('/graphiql/assets/:file', (req, res, next) => {
    if (!Object.hasOwn(files, req.params.file)) return next();
    sendPackaged(res, files[req.params.file]);
  });
  return router;
}
