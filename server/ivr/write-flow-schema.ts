/** Writes ivr-flows/flow.schema.json from the zod schema: `npx tsx server/ivr/write-flow-schema.ts`. */
import fs from 'node:fs';
import path from 'node:path';
import { flowJsonSchemaText } from './engine/json-schema';

export const FLOW_SCHEMA_FILE = path.resolve(__dirname, '../../ivr-flows/flow.schema.json');

if (require.main === module) {
  fs.writeFileSync(FLOW_SCHEMA_FILE, flowJsonSchemaText());
  process.stdout.write(`wrote ${FLOW_SCHEMA_FILE}\n`);
}
