import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { PUBLIC_ROUTE_CONFIG } from '@tessera/platform';
import { FastifyInstance } from 'fastify';
import openApiDocument from '../../../docs/openapi.json';

/**
 * The swagger-ui-dist files the page loads, with their media types; nothing else of the package
 * is served. (Four fixed files: @fastify/static depends on an ES-only module jest cannot load.)
 */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Tessera API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/tessera-initializer.js"></script>
  </body>
</html>
`;

const INITIALIZER = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n`;

/**
 * `GET /openapi.json` (docs/openapi.json, the contract the tests hold the app to) and an
 * interactive page at `/docs` from swagger-ui-dist's files, served offline; neither needs a key.
 */
export function serveApiDocs(fastify: FastifyInstance): void {
  const config = PUBLIC_ROUTE_CONFIG;
  const document = JSON.stringify(openApiDocument);
  fastify.get('/openapi.json', { config }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(document));
  fastify.get('/docs', { config }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  fastify.get('/docs/tessera-initializer.js', { config }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(INITIALIZER));
  const root = dirname(require.resolve('swagger-ui-dist/package.json'));
  for (const [file, type] of Object.entries(ASSETS)) {
    fastify.get(`/docs/${file}`, { config }, async (_request, reply) => reply.type(type).header('Cache-Control', 'public, max-age=86400').send(createReadStream(join(root, file))));
  }
}
