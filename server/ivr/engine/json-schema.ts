import { z } from 'zod';
import { flowDocumentSchema } from './flow';

/** The JSON Schema of the flow format (ivr-flows/flow.schema.json), generated from the zod schema. */
export function flowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(flowDocumentSchema, { io: 'input', unrepresentable: 'any', reused: 'ref' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://hotline.dev/schemas/ivr-flow.json',
    title: 'Hotline IVR flow',
    description: 'A flow is nodes (id, type, params) whose named exits are wired to other node ids. Generated from server/ivr/engine/flow.ts: npx tsx server/ivr/write-flow-schema.ts',
  };
}

/** The file's exact text (stable key order, trailing newline) so a test can compare it. */
export function flowJsonSchemaText(): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
}
