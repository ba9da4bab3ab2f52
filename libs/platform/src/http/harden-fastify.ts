import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FieldError, ValidationError, escapePointer } from '../errors';
import { checkStorableJson, isStorableText, STORABLE_TEXT_MESSAGE } from '../validation/storable-json';
import { problem } from './problem-details';
import { sendProblem, toProblem } from './problem-details.filter';

/** Longer than any id Tessera accepts (customer ids: 128), so every valid id is routable. */
export const MAX_PARAM_LENGTH = 256;

const logger = new Logger('http');

/**
 * Fastify answers some errors before Nest sees the request: a bad percent-encoding in the path,
 * a path parameter over the length limit, and (from the Node server) headers or a URL too large.
 * These options send those as problem+json too.
 */
export function hardenedServerOptions(): Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, toProblem(error, request.url), logger, error),
    clientErrorHandler: answerClientError,
  };
}

/**
 * Every JSON body is parsed as before (Fastify's parser, prototype poisoning refused) and then
 * checked in one walk: storable text, finite numbers, at most 64 levels deep. JSON is the only
 * body type (text/plain and forms answer 415; create the Nest app with `bodyParser: false`). Every query
 * parameter is given once and storable.
 */
export function hardenFastify(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      const errors = checkStorableJson(value);
      if (errors.length > 0) return done(new ValidationError('the body holds values that cannot be stored', errors), undefined);
      done(null, value);
    });
  });
  fastify.addHook('preValidation', async (request) => {
    const errors = checkQuery(request.query);
    if (errors.length > 0) throw new ValidationError('the query string is not valid', errors);
  });
}

export function checkQuery(query: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof query !== 'object' || query === null) return errors;
  for (const [name, value] of Object.entries(query)) {
    const pointer = `/query/${escapePointer(name)}`;
    if (!isStorableText(name)) errors.push({ pointer, rule: 'storableText', message: `a parameter name ${STORABLE_TEXT_MESSAGE}` });
    else if (Array.isArray(value)) errors.push({ pointer, rule: 'single', message: `${name} may be given once` });
    else if (typeof value === 'string' && !isStorableText(value)) errors.push({ pointer, rule: 'storableText', message: `${name} ${STORABLE_TEXT_MESSAGE}` });
  }
  return errors;
}

/** The Node server's parse errors: 431 for headers (or a URL) too large, 408, else 400. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const details =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? problem(431, 'headers-too-large', 'Request headers too large', 'The request line and headers exceed the size the server accepts')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problem(408, 'request-timeout', 'Request timeout', 'The request did not arrive in time')
        : problem(400, 'bad-request', 'Bad request', 'The request is not valid HTTP');
  const body = JSON.stringify(details);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${details.status} ${STATUS_CODES[details.status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
