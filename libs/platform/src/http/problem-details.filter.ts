import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '../errors';
import { ProblemDetails, problem, problemFromError } from './problem-details';

/**
 * The one place errors become HTTP answers: domain errors, Nest's HTTP exceptions and Fastify's
 * own errors (body parsing, content type, size) all leave as `application/problem+json`.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(http.getResponse<FastifyReply>(), toProblem(error, request.url), this.logger, error);
  }
}

export function sendProblem(reply: FastifyReply, details: ProblemDetails, logger: Logger, error: unknown): void {
  if (details.status >= 500) logger.error({ msg: 'request failed', status: details.status, error: describe(error) });
  if (details.status === 503) reply.header('Retry-After', String(details.retryAfterSeconds ?? 5));
  reply.status(details.status).header('Content-Type', 'application/problem+json; charset=utf-8').send(details);
}

export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof TesseraError) return { ...problemFromError(error), instance };
  const fastify = fastifyProblem(error) ?? (error instanceof HttpException ? httpProblem(error) : undefined);
  if (fastify) return { ...fastify, instance };
  return problem(500, 'internal', 'Internal error', 'The server failed to answer; the error was logged.', { instance });
}

const HTTP_TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  413: ['payload-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
};

/** Nest wraps Fastify's body errors in HTTP exceptions; keep their meaning. */
function httpProblem(error: HttpException): ProblemDetails {
  const status = error.getStatus();
  if (status === 400 && /JSON/i.test(error.message)) return problem(400, 'malformed-json', 'Malformed JSON', `The body is not valid JSON: ${error.message}`);
  const [slug, title] = HTTP_TITLES[status] ?? [`http-${status}`, error.name.replace(/Exception$/, '')];
  return problem(status, slug, title, status === 415 ? 'Send the body as application/json' : error.message);
}

/** Fastify's own errors carry a code and a 4xx status (body too large, bad JSON, media type). */
function fastifyProblem(error: unknown): ProblemDetails | undefined {
  const { code, statusCode, message } = (error ?? {}) as { code?: string; statusCode?: number; message?: string };
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'payload-too-large', 'Request body too large', message ?? 'The request body exceeds the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed-json', 'Malformed JSON', 'The body is empty but the content type is application/json');
    case 'FST_ERR_BAD_URL':
      return problem(400, 'bad-url', 'Malformed URL', 'The path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(414, 'uri-too-long', 'Path too long', 'A path segment is longer than any id the API accepts');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'bad-content-length', 'Bad Content-Length', message ?? 'Content-Length does not match the body');
    default:
      if (error instanceof SyntaxError || (statusCode === 400 && /JSON/i.test(message ?? ''))) {
        return problem(400, 'malformed-json', 'Malformed JSON', `The body is not valid JSON: ${message ?? ''}`.trim());
      }
      if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
        return problem(statusCode, `http-${statusCode}`, 'Bad request', message ?? 'Bad request');
      }
      return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
