import { z } from '@hono/zod-openapi';

/** The Django-REST-framework error body every client of the vendor already parses. */
export const WireError = z
  .object({ detail: z.string(), status_code: z.number().int() })
  .openapi('Error', { example: { detail: 'Invalid token.', status_code: 403 } });

export function wireError(detail: string, status: number) {
  return { detail, status_code: status };
}

/** Turns zod issues into one readable sentence for `detail`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
